//! The lab's picture as a viewer draws it: rendered with resvg (the text laid out in the system's
//! fonts), every label must be there, inside the picture, at its line and clear of the others.
//! The PNG is kept under the target directory, for a person to look at.

use hostnet_lab::probe::Flow;
use hostnet_lab::report::{LabReport, Mark, Recording, analyze};
use resvg::usvg::{self, Node};

/// Two directions at 200 packets/s for 10 s; a switch fails at 2 s (30 packets lost), returns
/// at 5 s (a 1.1 s blackhole), a cable is cut 0.3 s later, and mended near the end.
fn report() -> LabReport {
    let flow = |name: &str| {
        let sent_us: Vec<u64> = (0..2000).map(|k| k * 5_000).collect();
        let lost = |k: u64| (400..415).contains(&k) || (1000..1220).contains(&k);
        let recv_us = sent_us.iter().enumerate().map(|(k, t)| (!lost(k as u64)).then_some(t + 100)).collect();
        Flow { name: name.into(), sent_us, recv_us }
    };
    let flows = [flow("host->client"), flow("client->host")];
    let marks: Vec<Mark> = [
        (0, "baseline"),
        (2_000_000, "fail swA"),
        (5_000_000, "restore swA"),
        (5_300_000, "cut e2p3"),
        (9_600_000, "mend e2p3"),
    ]
    .iter()
    .map(|(t, a)| Mark { at_us: *t, applied_us: None, action: a.to_string(), active_after: String::new() })
    .collect();
    let rec = Recording {
        flows: &flows,
        marks: &marks,
        events: &[],
        end_us: 10_000_000,
        interval_us: 5_000,
        probes_from_us: 0,
        flowing_us: 0,
    };
    analyze("switch-a", "switch A fails, then returns", 200, &rec, None)
}

/// Every text element with its laid-out box.
fn texts(g: &usvg::Group, out: &mut Vec<(String, usvg::Rect)>) {
    for n in g.children() {
        match n {
            Node::Text(t) => out.push((t.chunks().iter().map(|c| c.text()).collect(), t.abs_bounding_box())),
            Node::Group(g) => texts(g, out),
            _ => {}
        }
    }
}

#[test]
fn every_label_is_drawn_inside_the_picture_at_its_line_and_clear_of_the_others() {
    let r = report();
    let design = "idmz1 802.3ad [e1p2 e3p2] · idmz2 802.3ad [e2p3 e3p3] · idmz balance-alb [idmz1 idmz2]";
    let svg = hostnet_lab::svg::timeline(&r, design, "examples/lab/stacked-bonds.lab.yaml");
    let mut opt = usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    assert!(!opt.fontdb.is_empty(), "no system fonts to lay out text with (.ci/run installs fonts-dejavu-core)");
    // fontdb's sans-serif is Arial, which Debian does not ship: use the system's sans.
    let sans = ["DejaVu Sans", "Liberation Sans"]
        .into_iter()
        .find(|f| opt.fontdb.faces().any(|face| face.families.iter().any(|(n, _)| n == f)))
        .expect("a sans-serif font (.ci/run installs fonts-dejavu-core)");
    opt.fontdb_mut().set_sans_serif_family(sans);
    let tree = usvg::Tree::from_str(&svg, &opt).expect("a valid SVG");
    let (w, h) = (tree.size().width(), tree.size().height());
    let mut found = Vec::new();
    texts(tree.root(), &mut found);
    let find = |want: &str| {
        found.iter().find(|(t, _)| t.contains(want)).unwrap_or_else(|| panic!("no text {want:?} in {found:#?}")).1
    };

    // The title says which design and which file; each fault says what it cost.
    find(design);
    find("examples/lab/stacked-bonds.lab.yaml · scenario switch-a");
    let restore = &r.steps[2];
    assert!(restore.lost > 0);
    let cost = format!("lost {} · outage {:.0} ms", restore.lost, restore.outage_ms);
    find(&cost);
    find("every packet delivered");
    find("all lost");
    find("aggregator / active port");

    for (t, b) in &found {
        assert!(b.width() > 0.0, "{t:?} was not laid out");
        assert!(
            b.left() >= 0.0 && b.right() <= w && b.top() >= 0.0 && b.bottom() <= h,
            "{t:?} at {b:?} outside {w}x{h}"
        );
    }
    // Step labels: at their line (within a few pixels), and no two overlapping.
    let plot = |ms: f64| 170.0 + (1100.0 - 170.0 - 20.0) * (ms / r.total_ms);
    let mut labels = Vec::new();
    for st in r.steps.iter().skip(1) {
        let line = plot(st.at_ms) as f32;
        for text in [st.action.clone(), if st.lost == 0 { "no loss".into() } else { format!("lost {} ·", st.lost) }] {
            let b = found
                .iter()
                .filter(|(t, _)| t.starts_with(&text))
                .map(|(_, b)| *b)
                .min_by(|a, b| {
                    (a.left() - line)
                        .abs()
                        .min((a.right() - line).abs())
                        .total_cmp(&(b.left() - line).abs().min((b.right() - line).abs()))
                })
                .unwrap_or_else(|| panic!("no label {text:?}"));
            let off = (b.left() - line).abs().min((b.right() - line).abs());
            assert!(off < 6.0, "{text:?} sits {off} px from its line");
            labels.push((text, b));
        }
    }
    for (i, (ta, a)) in labels.iter().enumerate() {
        for (tb, b) in &labels[i + 1..] {
            let apart =
                a.right() <= b.left() || b.right() <= a.left() || a.bottom() <= b.top() || b.bottom() <= a.top();
            assert!(apart, "{ta:?} {a:?} overlaps {tb:?} {b:?}");
        }
    }

    let mut pixmap = resvg::tiny_skia::Pixmap::new(w.ceil() as u32, h.ceil() as u32).unwrap();
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let png = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lab-timeline.png");
    pixmap.save_png(&png).unwrap();
    eprintln!("rendered: {}", png.display());
}
