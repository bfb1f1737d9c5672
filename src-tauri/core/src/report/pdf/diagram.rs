//! A flowchart drawn in the PDF: the Mermaid text ISMS Desk writes for a system's
//! architecture (`report::system::mermaid`), read back and laid out in layers, left to
//! right, by the longest path from a component nothing flows into. Only that shape of
//! Mermaid is read; anything else stays a code block.

/// A flowchart: its nodes (id, label) in order and its edges (from, to, label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flowchart {
    pub nodes: Vec<(String, String)>,
    pub edges: Vec<(String, String, String)>,
}

/// The flowchart of Mermaid text of the shape ISMS Desk writes:
/// `flowchart LR`, then `  id["label"]` lines, then `  a -->|"label"| b` lines.
pub fn parse(text: &str) -> Option<Flowchart> {
    let mut lines = text.lines();
    if lines.next()?.trim() != "flowchart LR" {
        return None;
    }
    let mut chart = Flowchart {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    for line in lines.map(str::trim).filter(|l| !l.is_empty()) {
        if let Some((from, rest)) = line.split_once(" -->|\"") {
            let (label, to) = rest.split_once("\"| ")?;
            chart
                .edges
                .push((from.to_string(), to.trim().to_string(), label.to_string()));
        } else {
            let (id, rest) = line.split_once("[\"")?;
            let label = rest.strip_suffix("\"]")?;
            chart.nodes.push((id.to_string(), label.to_string()));
        }
    }
    let known = |id: &str| chart.nodes.iter().any(|(n, _)| n == id);
    chart
        .edges
        .iter()
        .all(|(a, b, _)| known(a) && known(b))
        .then_some(chart)
}

/// Each node's layer: the length of the longest path into it from a node with no
/// edge in (edges that would close a cycle are not followed); a node with no edge in
/// sits in the layer before the first node it flows to.
pub fn layers(chart: &Flowchart) -> Vec<usize> {
    let n = chart.nodes.len();
    let index = |id: &str| chart.nodes.iter().position(|(x, _)| x == id);
    let edges: Vec<(usize, usize)> = chart
        .edges
        .iter()
        .filter_map(|(a, b, _)| Some((index(a)?, index(b)?)))
        .filter(|(a, b)| a != b)
        .collect();
    let mut layer = vec![0usize; n];
    // Longest paths by relaxation; a layer can only reach n - 1 without a cycle, so
    // n rounds settle every acyclic path and bound a cyclic one.
    for _ in 0..n {
        let mut moved = false;
        for &(a, b) in &edges {
            if layer[b] < layer[a] + 1 && layer[a] + 1 < n {
                layer[b] = layer[a] + 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    // A node nothing flows into sits just before the first node it flows to, so its
    // edge does not cross a layer (drawn through the boxes there).
    for i in 0..n {
        if edges.iter().any(|&(_, b)| b == i) {
            continue;
        }
        if let Some(first) = edges
            .iter()
            .filter(|&&(a, _)| a == i)
            .map(|&(_, b)| layer[b])
            .min()
        {
            layer[i] = first.saturating_sub(1);
        }
    }
    layer
}

/// Each node's row within its layer: the first layer in the order given, each later
/// one ordered by the mean row of the nodes flowing into it (the barycentre
/// heuristic), which keeps edges short and crossings few.
pub fn rows(chart: &Flowchart, layers: &[usize]) -> Vec<usize> {
    let index = |id: &str| chart.nodes.iter().position(|(x, _)| x == id);
    let mut row = vec![0usize; layers.len()];
    let deepest = layers.iter().max().copied().unwrap_or(0);
    for layer in 0..=deepest {
        let mut members: Vec<(f32, usize)> = (0..layers.len())
            .filter(|&i| layers[i] == layer)
            .map(|i| {
                let into: Vec<f32> = chart
                    .edges
                    .iter()
                    .filter(|(_, b, _)| index(b) == Some(i))
                    .filter_map(|(a, _, _)| index(a))
                    .filter(|&a| layers[a] < layer)
                    .map(|a| row[a] as f32)
                    .collect();
                let centre = if into.is_empty() || layer == 0 {
                    i as f32
                } else {
                    into.iter().sum::<f32>() / into.len() as f32
                };
                (centre, i)
            })
            .collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (r, (_, i)) in members.into_iter().enumerate() {
            row[i] = r;
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_shape_reads_back_and_anything_else_does_not() {
        let text = "flowchart LR\n  c_a[\"Edge\"]\n  c_b[\"App (core)\"]\n  c_c[\"DB\"]\n  c_a -->|\"F1: requests\"| c_b\n  c_b -->|\"F2: rows\"| c_c\n";
        let chart = parse(text).expect("reads");
        assert_eq!(chart.nodes.len(), 3);
        assert_eq!(
            chart.edges[1],
            ("c_b".into(), "c_c".into(), "F2: rows".into())
        );
        assert_eq!(layers(&chart), [0, 1, 2]);
        assert_eq!(rows(&chart, &layers(&chart)), [0, 0, 0]);
        assert!(parse("graph TD\n  A --> B\n").is_none());
        assert!(
            parse("flowchart LR\n  c_a -->|\"x\"| c_z\n").is_none(),
            "an unknown node"
        );
    }

    #[test]
    fn a_cycle_does_not_loop_for_ever() {
        let chart = Flowchart {
            nodes: vec![("a".into(), "A".into()), ("b".into(), "B".into())],
            edges: vec![
                ("a".into(), "b".into(), String::new()),
                ("b".into(), "a".into(), String::new()),
            ],
        };
        let l = layers(&chart);
        assert!(l.iter().all(|x| *x < 2), "{l:?}");
    }
}
