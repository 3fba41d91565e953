//! The event hash against the reference implementation's test oracles
//! (`tests/data/event-hash/`, from github.com/RalphTro/epcis-event-hash-generator at
//! 5d2f1c389a1599af40fe1b530b62e0ca59ab818f, MIT): every example document reproduces its
//! `.hashes` file exactly and its `.prehashes` file line by line, and every event of an
//! `expected_equal/` document hashes the same as the others.
//!
//! Three `.prehashes` lines upstream are stale or garbled: their SHA-256 is not the hash on the
//! same line of the `.hashes` file (which we do reproduce). They are listed in
//! `INCONSISTENT_PRE_HASH_LINES` and checked to stay exactly those three.

use std::fs;
use std::path::{Path, PathBuf};

use nguon_epcis::hash::{Format, event_hashes, ni_uri};

/// `.prehashes` lines (file stem, event index) whose own hash is not the expected hash.
const INCONSISTENT_PRE_HASH_LINES: [(&str, usize); 3] = [
    ("epcisDocWithAllGS1Keys", 0),
    ("epcisDocWithCustomSchemaInContext", 1),
    ("epcisDocWithDefaultSchemaInContext", 1),
];

fn data(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/event-hash")
        .join(folder)
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

fn files_ending(folder: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_reproduces_its_hashes_and_pre_hashes() {
    let folder = data("examples");
    let mut failures = Vec::new();
    let (mut json_documents, mut xml_documents, mut events, mut pre_hashes_checked) = (0, 0, 0, 0);
    let mut inconsistent = Vec::new();
    for hashes_file in files_ending(&folder, ".hashes") {
        let stem = hashes_file.with_extension("");
        let expected = lines(&hashes_file);
        let pre_hashes_file = stem.with_extension("prehashes");
        let stem_name = stem.file_name().unwrap().to_string_lossy().into_owned();
        // Only a pre-hash line that hashes to its expected hash is an oracle for our string.
        let expected_pre = pre_hashes_file.exists().then(|| {
            let pre = lines(&pre_hashes_file);
            pre.into_iter()
                .enumerate()
                .map(|(index, line)| {
                    if expected.get(index) == Some(&ni_uri(&line)) {
                        Some(line)
                    } else {
                        inconsistent.push((stem_name.clone(), index));
                        None
                    }
                })
                .collect::<Vec<_>>()
        });
        for (extension, format) in [("jsonld", Format::JsonLd), ("xml", Format::Xml)] {
            let document_file = stem.with_extension(extension);
            if !document_file.exists() {
                continue;
            }
            let name = document_file
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let document = fs::read_to_string(&document_file).unwrap();
            assert_eq!(Format::detect(&document), format, "{name}");
            match format {
                Format::JsonLd => json_documents += 1,
                Format::Xml => xml_documents += 1,
            }
            let ours = match event_hashes(&document, format) {
                Ok(ours) => ours,
                Err(error) => {
                    failures.push(format!("{name}: {error}"));
                    continue;
                }
            };
            if ours.len() != expected.len() {
                failures.push(format!(
                    "{name}: {} events hashed, {} expected",
                    ours.len(),
                    expected.len()
                ));
                continue;
            }
            for (index, (event, hash)) in ours.iter().zip(&expected).enumerate() {
                events += 1;
                if &event.hash != hash {
                    failures.push(format!(
                        "{name} event {index}: hash\n  ours:     {}\n  expected: {hash}",
                        event.hash
                    ));
                }
                if let Some(Some(pre)) = expected_pre.as_ref().and_then(|pre| pre.get(index)) {
                    pre_hashes_checked += 1;
                    if &event.pre_hash != pre {
                        failures.push(format!(
                            "{name} event {index}: pre-hash\n  ours:     {}\n  expected: {pre}",
                            event.pre_hash
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let known: Vec<(String, usize)> = INCONSISTENT_PRE_HASH_LINES
        .iter()
        .map(|(stem, index)| ((*stem).to_owned(), *index))
        .collect();
    assert_eq!(inconsistent, known);
    eprintln!(
        "{json_documents} JSON-LD + {xml_documents} XML documents, {events} event hashes and \
         {pre_hashes_checked} pre-hash strings reproduced"
    );
    // The oracle set at the pinned commit: 22 JSON-LD and 17 XML documents with hashes.
    assert_eq!((json_documents, xml_documents), (22, 17));
    assert!(events >= 80, "only {events} events checked");
    assert!(
        pre_hashes_checked >= 70,
        "only {pre_hashes_checked} pre-hashes checked"
    );
}

#[test]
fn every_event_of_an_expected_equal_document_hashes_the_same() {
    let folder = data("expected_equal");
    let mut failures = Vec::new();
    let mut documents = 0;
    for file in files_ending(&folder, "") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let document = fs::read_to_string(&file).unwrap();
        documents += 1;
        let hashes = match event_hashes(&document, Format::detect(&document)) {
            Ok(hashes) => hashes,
            Err(error) => {
                failures.push(format!("{name}: {error}"));
                continue;
            }
        };
        if hashes.len() < 2 {
            failures.push(format!("{name}: only {} events", hashes.len()));
            continue;
        }
        for (index, event) in hashes.iter().enumerate().skip(1) {
            if event.hash != hashes[0].hash {
                failures.push(format!(
                    "{name}: event {index} differs from event 0\n  0:  {}\n  {index}: {}",
                    hashes[0].pre_hash, event.pre_hash
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(documents, 11);
}

#[test]
fn json_ld_and_xml_twins_hash_the_same() {
    // Every example written in both syntaxes describes the same events.
    let folder = data("examples");
    let mut pairs = 0;
    for json_file in files_ending(&folder, ".jsonld") {
        let xml_file = json_file.with_extension("xml");
        if !xml_file.exists() {
            continue;
        }
        let json = event_hashes(&fs::read_to_string(&json_file).unwrap(), Format::JsonLd).unwrap();
        let xml = event_hashes(&fs::read_to_string(&xml_file).unwrap(), Format::Xml).unwrap();
        let json: Vec<&str> = json.iter().map(|e| e.hash.as_str()).collect();
        let xml: Vec<&str> = xml.iter().map(|e| e.hash.as_str()).collect();
        assert_eq!(json, xml, "{}", json_file.display());
        pairs += 1;
    }
    assert!(pairs >= 10, "only {pairs} JSON-LD/XML pairs");
}
