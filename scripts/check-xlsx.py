#!/usr/bin/env python3
"""Opens an XLSX report made by xaso with openpyxl (an independent reader) and prints what an
office program would show: the II.06a title, the column numbers, every row, and the targets.
Exits non-zero when the workbook is not the expected shape."""
import json
import sys

import openpyxl


def main(path):
    book = openpyxl.load_workbook(path)
    if book.sheetnames != ["II.06a", "Chỉ tiêu"]:
        sys.exit(f"unexpected sheets: {book.sheetnames}")
    sheet = book["II.06a"]
    title = sheet["A1"].value
    numbers = [sheet.cell(row=8, column=c).value for c in range(1, 14)]
    if numbers != [f"({i})" for i in range(1, 14)]:
        sys.exit(f"column numbers are {numbers}")
    rows = []
    for row in sheet.iter_rows(min_row=9, max_col=13, values_only=True):
        if row[1] is None:
            break
        rows.append({"field": row[1], "columns": [int(v) for v in row[2:13]]})
    targets = book["Chỉ tiêu"]
    target_rows = []
    for row in targets.iter_rows(min_row=5, max_col=4, values_only=True):
        if not row[0]:
            break
        target_rows.append({"name": row[0], "actual": row[1], "verdict": row[3]})
    print(json.dumps({"title": title, "period": sheet["A4"].value, "rows": rows,
                      "targets": target_rows}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
