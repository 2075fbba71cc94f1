//! docs/cli.md is the `tend` contract, and it stays complete: every command that `--help` lists
//! (found by walking each `Commands:` section down the tree) has a heading there, with each of
//! its options and arguments named in its section, and every command documented exists.

use crate::harness::Tend;

/// Options every command takes, documented once for all under the `tend` heading.
const GLOBAL_OPTIONS: [&str; 3] = ["--help", "--data-dir", "--json"];

/// One command of the tree: `["meds", "plan"]` and its `--help`.
#[derive(Debug)]
struct HelpPage {
    path: Vec<String>,
    help: String,
}

impl HelpPage {
    /// `tend meds plan`.
    fn name(&self) -> String {
        ["tend"]
            .into_iter()
            .chain(self.path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every command, from `tend --help` down through each `Commands:` section.
fn command_tree() -> Vec<HelpPage> {
    let tend = Tend::new();
    let mut pages = Vec::new();
    let mut to_visit: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = to_visit.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).chain(["--help"]).collect();
        let help = tend.run(&args).success();
        for command in entries(&help, "Commands:") {
            if command != "help" {
                to_visit.push(path.iter().cloned().chain([command]).collect());
            }
        }
        pages.push(HelpPage { path, help });
    }
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    pages
}

/// The first word of each entry of a help section (`Commands:`, `Arguments:`, `Options:`); for
/// options, the long flag (`--from`).
fn entries(help: &str, title: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim_end() != title)
        .skip(1)
        // The section runs to the next title (blank lines may part its entries).
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .filter_map(|line| {
            let indent = line.len() - line.trim_start().len();
            let words: Vec<&str> = line.split_whitespace().collect();
            if title == "Options:" {
                // `  -h, --help  Print help` or `      --from <RFC3339>  ...`; a description
                // on a line of its own (clap's long layout) is indented further.
                (indent <= 6 && line.trim_start().starts_with('-'))
                    .then(|| words.iter().take(2).find(|w| w.starts_with("--")))
                    .flatten()
                    .map(|w| w.trim_end_matches(',').to_owned())
            } else {
                // An entry starts two spaces in; a description line, further.
                (indent == 2)
                    .then(|| words.first().map(|w| (*w).to_owned()))
                    .flatten()
            }
        })
        .collect()
}

/// A heading of docs/cli.md that documents a command, and the text under it.
#[derive(Debug)]
struct DocSection {
    /// `["meds", "plan"]` for a heading whose first code span is `tend meds plan <SCHEDULE> ...`.
    path: Vec<String>,
    text: String,
}

/// Each heading whose first code span starts with `tend`, with the text up to the next heading of
/// the same or a higher level.
fn documented(markdown: &str) -> Vec<DocSection> {
    let lines: Vec<&str> = markdown.lines().collect();
    let level = |line: &str| line.chars().take_while(|c| *c == '#').count();
    let mut sections = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let depth = level(line);
        if depth == 0 {
            continue;
        }
        let Some(span) = line.split('`').nth(1) else {
            continue;
        };
        let mut words = span.split_whitespace();
        if words.next() != Some("tend") {
            continue;
        }
        // The command's words, up to its first argument or option (`<X>`, `[X]`, `--x`, `X`).
        let path: Vec<String> = words
            .take_while(|w| {
                w.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
            .map(str::to_owned)
            .collect();
        let end = lines[i + 1..]
            .iter()
            .position(|l| (1..=depth).contains(&level(l)))
            .map_or(lines.len(), |n| i + 1 + n);
        sections.push(DocSection {
            path,
            text: lines[i..end].join("\n"),
        });
    }
    sections
}

/// Whether `text` names `word` on its own (`--for` is not in `--format`, `TEAM` not in `TEAMS`).
fn names(text: &str, word: &str) -> bool {
    let boundary =
        |c: Option<char>| !c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    text.match_indices(word).any(|(at, _)| {
        boundary(text[..at].chars().next_back()) && boundary(text[at + word.len()..].chars().next())
    })
}

#[test]
fn docs_cli_md_documents_every_command_option_and_argument() {
    // The checkout cargo runs the test in (at run time: a target directory shared between clones can
    // hold a binary another clone built).
    let manifest_dir: std::path::PathBuf = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    let docs = manifest_dir.join("../../docs/cli.md");
    let markdown = std::fs::read_to_string(&docs).expect("docs/cli.md");
    let sections = documented(&markdown);
    let tree = command_tree();
    // The walk went down the tree: the contract's first example is in it.
    assert!(
        tree.iter().any(|page| page.path == ["meds", "plan"]),
        "the walk missed `tend meds plan`: {:?}",
        tree.iter().map(HelpPage::name).collect::<Vec<_>>()
    );

    let mut missing = Vec::new();
    for page in &tree {
        let Some(section) = sections.iter().find(|s| s.path == page.path) else {
            missing.push(format!("`{}` has no heading", page.name()));
            continue;
        };
        let root = page.path.is_empty();
        for option in entries(&page.help, "Options:") {
            let global = GLOBAL_OPTIONS.contains(&option.as_str());
            if (root && option != "--help" || !global) && !names(&section.text, &option) {
                missing.push(format!("`{}`: option {option}", page.name()));
            }
        }
        for argument in entries(&page.help, "Arguments:") {
            let name = argument.trim_end_matches("...");
            let name = name.trim_matches(|c| matches!(c, '<' | '>' | '[' | ']'));
            if !names(&section.text, name) {
                missing.push(format!("`{}`: argument {argument}", page.name()));
            }
        }
    }
    for section in &sections {
        if !tree.iter().any(|page| page.path == section.path) {
            missing.push(format!(
                "`tend {}` is documented but `tend --help` has no such command",
                section.path.join(" ")
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/cli.md does not match --help:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_help_parser_reads_clap_sections() {
    let help = "About\n\nUsage: tend share consent [OPTIONS] <TEAM> <CATEGORY>\n\nCommands:\n  plan  Print\n  add   Add a\n        long one\n\nArguments:\n  <TEAM>      The care team\n  [HEX]...    Bytes\n\nOptions:\n      --since <RFC3339>  Since\n  -h, --help             Print help\n";
    assert_eq!(entries(help, "Commands:"), ["plan", "add"]);
    assert_eq!(entries(help, "Arguments:"), ["<TEAM>", "[HEX]..."]);
    assert_eq!(entries(help, "Options:"), ["--since", "--help"]);
    // clap's long layout: each description on a line of its own, sometimes blank lines between.
    let long = "Usage: tend share sync [OPTIONS] <TEAM>\n\nArguments:\n  <TEAM>\n          The team\n\nOptions:\n      --max-entries <MAX_ENTRIES>\n          Entries per Bundle [default: 8]\n\n      --tz <IANA zone>\n          --tz names the zone\n  -h, --help\n          Print help\n";
    assert_eq!(entries(long, "Arguments:"), ["<TEAM>"]);
    assert_eq!(
        entries(long, "Options:"),
        ["--max-entries", "--tz", "--help"]
    );
    assert!(entries(long, "Commands:").is_empty());
    let docs = "# `tend`\n--json\n## `tend meds`\n### `tend meds plan <SCHEDULE> --from <RFC3339>`\ntext\n## `tend share add --name <NAME>`\n#### Output\n## Exit codes";
    let sections = documented(docs);
    let paths: Vec<Vec<String>> = sections.iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            vec![],
            vec!["meds".to_owned()],
            vec!["meds".to_owned(), "plan".to_owned()],
            vec!["share".to_owned(), "add".to_owned()]
        ]
    );
    assert!(
        sections[1].text.contains("text"),
        "a section holds its subsections"
    );
    assert!(
        !sections[2].text.contains("share"),
        "and ends at the next heading of its level"
    );
    assert!(
        sections[3].text.contains("Output"),
        "deeper headings stay in the section"
    );
    assert!(names("--for <SECONDS>", "--for") && !names("--format", "--for"));
    assert!(names("<TEAM>", "TEAM") && !names("TEAMS", "TEAM"));
}
