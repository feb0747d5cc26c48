//! The bad-input corpus (`bad_inputs.txt`): every input is refused, and every refusal names a
//! line and column inside the input. The snapshot holds what each refusal says, so a reviewer
//! reads the messages a user would and a change to any of them shows in review.

use std::fmt::Write;

/// The corpus's cases: (header, input).
fn cases() -> Vec<(String, String)> {
    let text = include_str!("bad_inputs.txt");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("#### ") {
            out.push((name.to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn every_bad_input_is_refused_at_a_line_and_column_inside_it() {
    let cases = cases();
    assert!(cases.len() >= 150, "the corpus has {} cases", cases.len());
    let mut accepted = Vec::new();
    let mut unlocated = Vec::new();
    let mut said = String::new();
    for (name, input) in &cases {
        let lines = input.lines().count();
        match hostnet_core::load("c.yaml", input) {
            Ok(_) => accepted.push(name.as_str()),
            Err(p) => {
                writeln!(said, "{name}").unwrap();
                for problem in &p.problems {
                    if problem.line == 0 || problem.line > lines.max(1) || problem.column == 0 {
                        unlocated.push(format!("{name}: {problem}"));
                    }
                    writeln!(said, "  {}:{} {}: {}", problem.line, problem.column, problem.field, problem.message)
                        .unwrap();
                }
            }
        }
    }
    assert!(accepted.is_empty(), "accepted {} bad inputs:\n{}", accepted.len(), accepted.join("\n"));
    assert!(unlocated.is_empty(), "refused without a place in the input:\n{}", unlocated.join("\n"));
    insta::assert_snapshot!(said);
}
