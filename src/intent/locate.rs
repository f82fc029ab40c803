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
        while let Some(Ok((event, span))) = parser.next_event() {
            seen += 1;
            if seen > MAX_EVENTS {
                break;
            }
            let pos = (span.start.line(), span.start.col() + 1);
            match event {
                Event::DocumentEnd => break,
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Map { pending_key, .. }) = stack.last_mut() {
                        if pending_key.is_none() {
                            *pending_key = Some(value.into_owned());
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
}
