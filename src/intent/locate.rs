//! Maps key paths (`spec.nodeGroups[1].scaling.min`) to source positions, so validation
//! errors found on typed values can point at the line and column the user wrote.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// Stop indexing after this many events; the deserializer enforces its own budget.
const MAX_EVENTS: usize = 200_000;
const MAX_DEPTH: usize = 64;

/// 1-based line and column of every node in the first YAML document.
#[derive(Debug, Clone, Default)]
pub struct LocationIndex {
    nodes: HashMap<String, (usize, usize)>,
    /// In document order, for mapping a position back to the nearest key path.
    ordered: Vec<(usize, usize, String)>,
    /// Position of every mapping key (`spec.network.cni` at the `cni` token), for errors
    /// the deserializer reports at a key: unknown and duplicate fields.
    keys: Vec<KeyEntry>,
    /// The first YAML syntax error, if the parser met one before the indexing limits.
    syntax_error: Option<(String, (usize, usize))>,
}

/// A mapping key: where it is written, the path of its value and of the mapping.
#[derive(Debug, Clone)]
struct KeyEntry {
    pos: (usize, usize),
    path: String,
    parent: String,
}

enum Frame {
    Map {
        path: String,
        pending_key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

impl LocationIndex {
    pub fn build(text: &str) -> LocationIndex {
        let mut index = LocationIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        let mut seen = 0usize;
        while let Some(next) = parser.next_event() {
            let (event, span) = match next {
                Ok(found) => found,
                Err(e) => {
                    let mark = e.marker();
                    index.syntax_error = Some((e.info(), (mark.line(), mark.col() + 1)));
                    break;
                }
            };
            seen += 1;
            if seen > MAX_EVENTS {
                break;
            }
            let pos = (span.start.line(), span.start.col() + 1);
            match event {
                Event::DocumentEnd => break,
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Map {
                        path: parent,
                        pending_key,
                    }) = stack.last_mut()
                    {
                        if pending_key.is_none() {
                            let key = value.into_owned();
                            let path = if parent.is_empty() {
                                key.clone()
                            } else {
                                format!("{parent}.{key}")
                            };
                            index.keys.push(KeyEntry {
                                pos,
                                path,
                                parent: parent.clone(),
                            });
                            *pending_key = Some(key);
                            continue;
                        }
                    }
                    let path = child_path(&mut stack);
                    index.insert(path, pos);
                }
                Event::Alias(_) => {
                    let path = child_path(&mut stack);
                    index.insert(path, pos);
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    let path = if stack.is_empty() {
                        String::new()
                    } else {
                        child_path(&mut stack)
                    };
                    index.insert(path.clone(), pos);
                    if stack.len() >= MAX_DEPTH {
                        break;
                    }
                    stack.push(if is_map {
                        Frame::Map {
                            path,
                            pending_key: None,
                        }
                    } else {
                        Frame::Seq { path, next: 0 }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        index
    }

    fn insert(&mut self, path: String, pos: (usize, usize)) {
        self.ordered.push((pos.0, pos.1, path.clone()));
        self.nodes.entry(path).or_insert(pos);
    }

    /// Position of the node at `path`, or of its closest existing ancestor.
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut current = path;
        loop {
            if let Some(pos) = self.nodes.get(current) {
                return Some(*pos);
            }
            let cut = current.rfind(['.', '['])?;
            current = &current[..cut];
        }
    }

    /// Whether the document has no node at all (only comments and blank lines).
    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty() && self.syntax_error.is_none()
    }

    /// The key path of the mapping key written exactly at `(line, col)`, if any.
    pub fn key_at(&self, line: usize, col: usize) -> Option<&str> {
        self.key_entry(line, col).map(|k| k.path.as_str())
    }

    /// The path of the mapping that holds the key written exactly at `(line, col)`.
    pub fn mapping_of_key_at(&self, line: usize, col: usize) -> Option<&str> {
        self.key_entry(line, col).map(|k| k.parent.as_str())
    }

    fn key_entry(&self, line: usize, col: usize) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.pos == (line, col))
    }

    /// The key path of the last key or node that starts at or before `(line, col)`; a key
    /// wins over a node at the same place.
    pub fn path_near(&self, line: usize, col: usize) -> Option<&str> {
        let node = self
            .ordered
            .iter()
            .filter(|(l, c, _)| (*l, *c) <= (line, col))
            .max_by_key(|(l, c, _)| (*l, *c));
        let key = self
            .keys
            .iter()
            .filter(|k| k.pos <= (line, col))
            .max_by_key(|k| k.pos);
        let best = match (node, key) {
            (Some((l, c, path)), Some(k)) if (*l, *c) > k.pos => path,
            (_, Some(k)) => &k.path,
            (Some((_, _, path)), None) => path,
            (None, None) => return None,
        };
        Some(best.as_str()).filter(|p| !p.is_empty())
    }

    /// The first YAML syntax error in the document: message and 1-based line and column.
    pub fn syntax_error(&self) -> Option<(&str, (usize, usize))> {
        self.syntax_error.as_ref().map(|(m, p)| (m.as_str(), *p))
    }

    /// The key path of the last node that starts at or before `(line, col)`.
    pub fn path_at(&self, line: usize, col: usize) -> Option<&str> {
        self.ordered
            .iter()
            .filter(|(l, c, _)| (*l, *c) <= (line, col))
            .max_by_key(|(l, c, _)| (*l, *c))
            .map(|(_, _, p)| p.as_str())
            .filter(|p| !p.is_empty())
    }
}

fn child_path(stack: &mut [Frame]) -> String {
    match stack.last_mut() {
        Some(Frame::Map { path, pending_key }) => {
            let key = pending_key.take().unwrap_or_default();
            if path.is_empty() {
                key
            } else {
                format!("{path}.{key}")
            }
        }
        Some(Frame::Seq { path, next }) => {
            let p = format!("{path}[{next}]");
            *next += 1;
            p
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_positions() {
        let src =
            "spec:\n  nodeGroups:\n    - name: a\n      scaling: {min: 1, max: 2}\n    - name: b\n";
        let idx = LocationIndex::build(src);
        assert_eq!(idx.locate("spec.nodeGroups[0].name"), Some((3, 13)));
        assert_eq!(idx.locate("spec.nodeGroups[0].scaling.max"), Some((4, 30)));
        assert_eq!(idx.locate("spec.nodeGroups[1].name"), Some((5, 13)));
        // Missing leaf falls back to the nearest ancestor.
        assert_eq!(
            idx.locate("spec.nodeGroups[1].labels"),
            idx.locate("spec.nodeGroups[1]")
        );
        assert_eq!(idx.path_at(4, 31), Some("spec.nodeGroups[0].scaling.max"));
    }

    #[test]
    fn keys_syntax_errors_and_empty_documents() {
        let src = "spec:\n  region: x\n  nodeGroups:\n    - name: a\n      scaling: {min: 1}\n";
        let idx = LocationIndex::build(src);
        assert_eq!(idx.key_at(2, 3), Some("spec.region"));
        assert_eq!(
            idx.mapping_of_key_at(5, 17),
            Some("spec.nodeGroups[0].scaling")
        );
        assert_eq!(idx.key_at(2, 11), None);
        // A key wins over the value node before it.
        assert_eq!(idx.path_near(5, 7), Some("spec.nodeGroups[0].scaling"));
        assert!(idx.syntax_error().is_none());
        let bad = LocationIndex::build("a: 1\n b: [\n");
        let (message, position) = bad.syntax_error().expect("syntax error");
        assert!(!message.is_empty());
        assert_eq!(position.0, 2);
        assert!(LocationIndex::build("# nothing\n\n").is_empty());
        assert!(!LocationIndex::build("a: 1\n").is_empty());
    }
}
