#!/usr/bin/env python3
"""A stand-in for the national public-service portal's status sync endpoint, for the tests.

It checks every payload against the sync fields and status codes of shared/REFERENCES.md §1,
written independently of xaso's Rust code, and records each request as one JSON line:
{"key": Idempotency-Key, "valid": bool, "problems": [...], "record": payload}. Valid payloads get
200, invalid ones 400 with the problems. The same Idempotency-Key twice is recorded twice (the
test counts duplicates) and answered 200 both times, as an idempotent receiver does.

    mock-portal.py PORT RECORD_FILE
"""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIME = re.compile(r"^\d{14}$")
CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")
REQUIRED = {"MaHoSo": str, "MaTTHC": str, "TrangThaiHoSo": int, "NgayNopHoSo": str,
            "KenhThucHien": int, "QuaTrinhXuLy": list, "PhienBan": int}
OPTIONAL_TIMES = ["NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayYeuCauBoSung", "NgayTra"]


def problems_of(record):
    problems = []
    if not isinstance(record, dict):
        return ["not a JSON object"]
    for key, kind in REQUIRED.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            problems.append(f"{key} missing or not {kind.__name__}")
    if problems:
        return problems
    if not CODE.match(record["MaHoSo"]):
        problems.append(f"MaHoSo {record['MaHoSo']!r} is not a TT 01/2018 dossier code")
    if not re.match(r"^\d\.\d{6}$", record["MaTTHC"]):
        problems.append(f"MaTTHC {record['MaTTHC']!r} is not a national procedure code")
    if not 1 <= record["TrangThaiHoSo"] <= 10:
        problems.append(f"TrangThaiHoSo {record['TrangThaiHoSo']} outside 1-10")
    if record["KenhThucHien"] not in (1, 2, 3):
        problems.append(f"KenhThucHien {record['KenhThucHien']} not 1, 2 or 3")
    for key in ["NgayNopHoSo"] + OPTIONAL_TIMES:
        if key in record and not (isinstance(record[key], str) and TIME.match(record[key])):
            problems.append(f"{key} {record.get(key)!r} is not yyyyMMddHHmmss")
    if record["TrangThaiHoSo"] >= 2 and record["TrangThaiHoSo"] != 3 and "NgayTiepNhan" not in record:
        problems.append("a received dossier needs NgayTiepNhan")
    if record["TrangThaiHoSo"] == 10 and "NgayTra" not in record:
        problems.append("a returned dossier needs NgayTra")
    for step in record["QuaTrinhXuLy"]:
        for key in ("NguoiXuLy", "DonViXuLy", "NoiDung", "ThoiGian"):
            if not isinstance(step.get(key), str):
                problems.append(f"QuaTrinhXuLy step without {key}")
        if isinstance(step.get("ThoiGian"), str) and not TIME.match(step["ThoiGian"]):
            problems.append(f"QuaTrinhXuLy time {step['ThoiGian']!r}")
    return problems


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    out = open(path, "a", encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                record = json.loads(raw.decode("utf-8"))
                problems = problems_of(record)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                record, problems = None, [f"not JSON: {error}"]
            line = {"key": self.headers.get("Idempotency-Key"), "valid": not problems,
                    "problems": problems, "record": record}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
            body = json.dumps({"success": not problems, "problems": problems}).encode()
            self.send_response(200 if not problems else 400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"mock portal listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
