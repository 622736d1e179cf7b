use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn content(id: i64, seconds: i64, details: &str) -> RowContent {
    RowContent {
        id,
        at: Utc
            .timestamp_opt(1_750_000_000 + seconds, 123_456_000)
            .single()
            .expect("valid instant"),
        actor_id: (id % 2 == 0).then(|| format!("0190a1b2-0000-7000-8000-{id:012}")),
        actor: "motcua".into(),
        action: "dossier.receive".into(),
        entity: "dossier".into(),
        entity_id: format!("H{id}"),
        details: details.into(),
    }
}

/// A valid chain of the given contents, in order.
fn chain(contents: Vec<RowContent>) -> Vec<ChainedRow> {
    let mut prev = GENESIS.to_string();
    contents
        .into_iter()
        .map(|content| {
            let hash = row_hash(&prev, &content);
            let row = ChainedRow {
                content,
                prev_hash: Some(prev.clone()),
                hash: Some(hash.clone()),
            };
            prev = hash;
            row
        })
        .collect()
}

fn sample(n: i64) -> Vec<ChainedRow> {
    chain((1..=n).map(|i| content(i, i, "{}")).collect())
}

#[test]
fn an_intact_chain_has_no_problems_and_reports_its_head() {
    let rows = sample(5);
    let walk = walk(&rows);
    assert_eq!(walk.problems, vec![]);
    assert_eq!(walk.rows, 5);
    assert_eq!(walk.last, Some((5, rows[4].hash.clone().expect("hash"))));
    assert_eq!(walk.last.as_ref().map(|(_, h)| h.len()), Some(64));
}

#[test]
fn the_encoding_is_unambiguous_and_the_time_fixed() {
    let mut a = content(1, 0, "x");
    let mut b = a.clone();
    a.actor = "ab".into();
    a.action = "c".into();
    b.actor = "a".into();
    b.action = "bc".into();
    assert_ne!(canonical(GENESIS, &a), canonical(GENESIS, &b));
    let mut none = content(1, 0, "x");
    none.actor_id = None;
    let mut empty = none.clone();
    empty.actor_id = Some(String::new());
    assert_ne!(row_hash(GENESIS, &none), row_hash(GENESIS, &empty));
    assert_eq!(canonical_time(a.at), "2025-06-15T15:06:40.123456Z");
}

#[test]
fn an_edited_row_is_named() {
    let mut rows = sample(5);
    rows[2].content.details = r#"{"fee":0}"#.into();
    let walk = walk(&rows);
    assert_eq!(walk.problems, vec![Problem::Edited { id: 3 }]);
    assert_eq!(
        walk.problems[0].to_string(),
        "dòng #3: nội dung đã bị sửa (mã băm không khớp nội dung)"
    );
}

#[test]
fn a_deleted_row_is_named_by_the_gap_it_leaves() {
    let mut rows = sample(6);
    rows.remove(2);
    let problems = walk(&rows).problems;
    assert_eq!(
        problems,
        vec![Problem::Deleted {
            id: 4,
            previous: Some(2),
            missing: Some((3, 3))
        }]
    );
    assert_eq!(
        problems[0].to_string(),
        "dòng #4: thiếu dòng trước dòng 4 (dòng #3 đã bị xóa)"
    );
}

#[test]
fn a_row_rewritten_with_its_hash_shows_at_the_next_row() {
    let mut rows = sample(4);
    rows[1].content.details = "forged".into();
    let prev = rows[1].prev_hash.clone().expect("prev");
    rows[1].hash = Some(row_hash(&prev, &rows[1].content));
    let problems = walk(&rows).problems;
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "dòng #3: thiếu dòng trước dòng 3 (có dòng đã bị xóa, hoặc dòng #2 đã bị sửa cả mã băm)"
    );
}

#[test]
fn swapped_rows_are_both_named_as_reordered() {
    let mut rows = sample(6);
    // Everything but the id changes places, as an UPDATE swapping two rows' columns would do.
    let (a, b) = (rows[1].clone(), rows[4].clone());
    rows[1] = ChainedRow {
        content: RowContent { id: 2, ..b.content },
        ..b
    };
    rows[4] = ChainedRow {
        content: RowContent { id: 5, ..a.content },
        ..a
    };
    let problems = walk(&rows).problems;
    assert_eq!(
        problems,
        vec![
            Problem::Reordered {
                id: 2,
                follows: Some(4)
            },
            Problem::Reordered {
                id: 5,
                follows: Some(1)
            },
        ]
    );
    assert_eq!(
        problems[0].to_string(),
        "dòng #2: sai thứ tự (nội dung này được ghi ngay sau dòng #4)"
    );
}

#[test]
fn gaps_in_ids_alone_are_not_problems() {
    let rows = chain(vec![
        content(1, 1, "a"),
        content(4, 2, "b"),
        content(9, 3, "c"),
    ]);
    assert_eq!(walk(&rows).problems, vec![]);
}

#[test]
fn a_row_without_hash_is_named() {
    let mut rows = sample(3);
    rows[2].hash = None;
    assert_eq!(walk(&rows).problems, vec![Problem::Unchained { id: 3 }]);
}

/// A random valid chain: 2–30 rows, ids increasing with occasional gaps, random details.
fn random_chain() -> impl Strategy<Value = Vec<ChainedRow>> {
    prop::collection::vec((1i64..3, 0i64..100_000, "[a-zđươ{}\":0-9 ]{0,12}"), 2..30).prop_map(
        |steps| {
            let mut id = 0;
            let mut seconds = 0;
            chain(
                steps
                    .into_iter()
                    .map(|(id_step, time_step, details)| {
                        id += id_step;
                        seconds += time_step;
                        content(id, seconds, &details)
                    })
                    .collect(),
            )
        },
    )
}

proptest! {
    #[test]
    fn any_single_edit_is_found_at_its_row(
        rows in random_chain(),
        pick in any::<prop::sample::Index>(),
        field in 0usize..6,
    ) {
        let mut rows = rows;
        let i = pick.index(rows.len());
        let row = &mut rows[i].content;
        match field {
            0 => row.details.push('!'),
            1 => row.actor.push('x'),
            2 => row.action = format!("{}.", row.action),
            3 => row.entity_id.push('0'),
            4 => row.at += chrono::Duration::microseconds(1),
            _ => row.actor_id = match row.actor_id.take() { Some(_) => None, None => Some("u".into()) },
        }
        let problems = walk(&rows).problems;
        prop_assert_eq!(problems, vec![Problem::Edited { id: rows[i].content.id }]);
    }

    #[test]
    fn any_deletion_but_the_last_is_found_at_the_next_row(
        rows in random_chain(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut rows = rows;
        let i = pick.index(rows.len() - 1);
        let deleted = rows.remove(i).content.id;
        let problems = walk(&rows).problems;
        prop_assert_eq!(problems.len(), 1);
        match &problems[0] {
            Problem::Deleted { id, missing: Some((from, to)), .. } => {
                prop_assert_eq!(*id, rows[i].content.id);
                prop_assert!(*from <= deleted && deleted <= *to);
            }
            other => prop_assert!(false, "expected a deletion, got {:?}", other),
        }
    }

    #[test]
    fn any_swap_of_two_rows_names_both(
        rows in random_chain(),
        first in any::<prop::sample::Index>(),
        second in any::<prop::sample::Index>(),
    ) {
        let mut rows = rows;
        let (i, j) = (first.index(rows.len()), second.index(rows.len()));
        prop_assume!(i != j);
        let (a, b) = (rows[i].clone(), rows[j].clone());
        rows[i] = ChainedRow { content: RowContent { id: a.content.id, ..b.content }, ..b };
        rows[j] = ChainedRow { content: RowContent { id: rows[j].content.id, ..a.content }, ..a };
        let named: Vec<i64> = walk(&rows).problems.iter().map(Problem::id).collect();
        let mut expected = vec![rows[i].content.id, rows[j].content.id];
        expected.sort();
        prop_assert_eq!(named, expected);
    }
}
