//! PDF exports of the reports (issue 16), drawn by the server with printpdf (a well-kept
//! PDF writer) on A4 landscape pages, in DejaVu Sans embedded and subset so that names in
//! any script print as typed. A summary has its bar chart and its table; a detailed
//! report one line per entry; both say their range, zone and filters, and end with the
//! total. Long tables go on to further pages, each numbered.

use std::io::Cursor;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use printpdf::{
    Color, IndirectFontRef, Line, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference, Point,
    Rect, Rgb,
};

use super::PageError;
use crate::ops::report_csv::hms;

/// The font every PDF is set in (its licence is beside it in `assets/fonts`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const WIDTH: f32 = 297.0;
const HEIGHT: f32 = 210.0;
const MARGIN: f32 = 15.0;
/// Where the table's rows may go down to, above the page number.
const BOTTOM: f32 = 20.0;
const ROW: f32 = 6.0;
const TEXT: f32 = 8.5;

/// What a report says at its top.
pub struct Heading {
    pub title: String,
    /// The days and the zone they are in.
    pub range: String,
    /// What the report is narrowed to, if anything.
    pub filters: Option<String>,
}

/// One entry of a detailed report, as printed.
pub struct DetailLine {
    pub when: String,
    pub member: String,
    pub description: String,
    /// "Project: Task", or "".
    pub project: String,
    pub tags: String,
    pub billable: bool,
    pub seconds: i64,
}

/// A finished PDF and how many pages it has.
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: u32,
}

/// One group of a summary, as printed.
pub struct SummaryLine {
    pub name: String,
    pub seconds: i64,
    pub amount: String,
}

/// `text` cut to about `mm` millimetres at `size` points (DejaVu Sans averages a little
/// over half an em per character), with an ellipsis where cut.
fn fit(text: &str, mm: f32, size: f32) -> String {
    let per_char = size * 0.353 * 0.58;
    let room = ((mm / per_char) as usize).max(1);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= room {
        return one_line;
    }
    let cut: String = one_line.chars().take(room.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn failed(e: impl std::fmt::Display) -> PageError {
    tracing::error!("a PDF could not be made: {e}");
    PageError(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The PDF could not be made; the CSV export has the same rows.".into(),
    )
}

/// A document being written: the current page and where the next line goes.
struct Writer {
    doc: PdfDocumentReference,
    font: IndirectFontRef,
    layer: PdfLayerReference,
    y: f32,
    pages: u32,
}

impl Writer {
    fn new(heading: &Heading) -> Result<Writer, PageError> {
        let (doc, page, layer) = PdfDocument::new(&heading.title, Mm(WIDTH), Mm(HEIGHT), "page");
        let font = doc
            .add_external_font_with_subsetting(Cursor::new(FONT), true)
            .map_err(failed)?;
        let layer = doc.get_page(page).get_layer(layer);
        let mut w = Writer {
            doc,
            font,
            layer,
            y: HEIGHT - MARGIN,
            pages: 1,
        };
        w.text(&heading.title, 16.0, MARGIN);
        w.y -= 8.0;
        w.text(&heading.range, 10.0, MARGIN);
        w.y -= 5.5;
        if let Some(filters) = &heading.filters {
            w.text(&fit(filters, WIDTH - 2.0 * MARGIN, 9.0), 9.0, MARGIN);
            w.y -= 5.5;
        }
        w.y -= 3.0;
        Ok(w)
    }

    fn text(&self, text: &str, size: f32, x: f32) {
        self.layer
            .use_text(text, size, Mm(x), Mm(self.y), &self.font);
    }

    fn rule(&self, y: f32) {
        self.layer
            .set_outline_color(Color::Rgb(Rgb::new(0.6, 0.6, 0.6, None)));
        self.layer.set_outline_thickness(0.4);
        self.layer.add_line(Line {
            points: vec![
                (Point::new(Mm(MARGIN), Mm(y)), false),
                (Point::new(Mm(WIDTH - MARGIN), Mm(y)), false),
            ],
            is_closed: false,
        });
    }

    fn number_page(&self) {
        let label = format!("Page {}", self.pages);
        self.layer
            .use_text(label, 8.0, Mm(WIDTH - MARGIN - 15.0), Mm(10.0), &self.font);
    }

    /// Room for one more row, starting a page (with `header` again) when there is none.
    fn room(&mut self, header: &dyn Fn(&mut Writer)) {
        if self.y - ROW >= BOTTOM {
            return;
        }
        self.number_page();
        let (page, layer) = self.doc.add_page(Mm(WIDTH), Mm(HEIGHT), "page");
        self.layer = self.doc.get_page(page).get_layer(layer);
        self.pages += 1;
        self.y = HEIGHT - MARGIN;
        header(self);
    }

    /// A table row: each cell at its x, cut to its width.
    fn row(&mut self, cells: &[(&str, f32, f32)]) {
        for (text, x, width) in cells {
            self.text(&fit(text, *width, TEXT), TEXT, *x);
        }
        self.y -= ROW;
    }

    fn finish(self) -> Result<Pdf, PageError> {
        self.number_page();
        let pages = self.pages;
        let bytes = self.doc.save_to_bytes().map_err(failed)?;
        Ok(Pdf { bytes, pages })
    }
}

/// The columns of a detailed report: (title, x, width) in mm.
const DETAIL_COLUMNS: [(&str, f32, f32); 7] = [
    ("Start", MARGIN, 31.0),
    ("Member", 47.0, 32.0),
    ("Description", 80.0, 75.0),
    ("Project", 156.0, 49.0),
    ("Tags", 206.0, 37.0),
    ("Billable", 244.0, 17.0),
    ("Duration", 262.0, 20.0),
];

fn detail_header(w: &mut Writer) {
    let cells: Vec<(&str, f32, f32)> = DETAIL_COLUMNS.to_vec();
    w.row(&cells);
    w.rule(w.y + ROW - 1.5);
}

/// A detailed report: one row per entry, then the total.
pub fn detailed(heading: &Heading, lines: &[DetailLine]) -> Result<Pdf, PageError> {
    let mut w = Writer::new(heading)?;
    detail_header(&mut w);
    for line in lines {
        w.room(&detail_header);
        let duration = hms(line.seconds);
        let values = [
            line.when.as_str(),
            line.member.as_str(),
            line.description.as_str(),
            line.project.as_str(),
            line.tags.as_str(),
            if line.billable { "Yes" } else { "No" },
            duration.as_str(),
        ];
        let cells: Vec<(&str, f32, f32)> = values
            .iter()
            .zip(DETAIL_COLUMNS)
            .map(|(v, (_, x, width))| (*v, x, width))
            .collect();
        w.row(&cells);
    }
    w.room(&detail_header);
    w.rule(w.y + ROW - 1.5);
    let total: i64 = lines.iter().map(|l| l.seconds).sum();
    let count = format!("{} entries", lines.len());
    let total = hms(total);
    w.row(&[
        ("Total", MARGIN, 28.0),
        (&count, 80.0, 60.0),
        (&total, 265.0, 17.0),
    ]);
    w.finish()
}

/// A summary: a bar per group (as many as fit the first page), then the table and the
/// total.
pub fn summary(
    heading: &Heading,
    group: &str,
    lines: &[SummaryLine],
    total: (i64, &str),
) -> Result<Pdf, PageError> {
    let mut w = Writer::new(heading)?;
    let max = lines.iter().map(|l| l.seconds).max().unwrap_or(0).max(1) as f32;
    let bars = lines.len().min(12);
    for line in &lines[..bars] {
        let length = 150.0 * line.seconds as f32 / max;
        w.text(&fit(&line.name, 60.0, TEXT), TEXT, MARGIN);
        w.layer
            .set_fill_color(Color::Rgb(Rgb::new(0.145, 0.388, 0.922, None)));
        w.layer.add_rect(Rect::new(
            Mm(80.0),
            Mm(w.y - 1.0),
            Mm(80.0 + length.max(0.3)),
            Mm(w.y + 3.5),
        ));
        w.layer
            .set_fill_color(Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)));
        w.text(&hms(line.seconds), TEXT, 82.0 + length);
        w.y -= ROW;
    }
    w.y -= 4.0;
    let header = move |w: &mut Writer| {
        w.row(&[
            (group, MARGIN, 150.0),
            ("Time", 200.0, 30.0),
            ("Amount", 240.0, 40.0),
        ]);
        w.rule(w.y + ROW - 1.5);
    };
    header(&mut w);
    for line in lines {
        w.room(&header);
        let time = hms(line.seconds);
        w.row(&[
            (line.name.as_str(), MARGIN, 180.0),
            (time.as_str(), 200.0, 30.0),
            (line.amount.as_str(), 240.0, 40.0),
        ]);
    }
    w.room(&header);
    w.rule(w.y + ROW - 1.5);
    let time = hms(total.0);
    w.row(&[
        ("Total", MARGIN, 150.0),
        (&time, 200.0, 30.0),
        (total.1, 240.0, 40.0),
    ]);
    w.finish()
}

/// Runs `make` off the request threads (subsetting the font takes a moment).
pub async fn off_thread(
    make: impl FnOnce() -> Result<Pdf, PageError> + Send + 'static,
) -> Result<Pdf, PageError> {
    tokio::task::spawn_blocking(make).await.map_err(failed)?
}

/// A PDF as a download named `name`.
pub fn download(name: &str, pdf: Pdf) -> Response {
    tracing::info!(
        pages = pdf.pages,
        bytes = pdf.bytes.len(),
        "report PDF made"
    );
    let bytes = pdf.bytes;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_go_on_to_numbered_pages_and_text_is_cut_to_its_column() {
        let heading = Heading {
            title: "Detailed report".into(),
            range: "2026-11-02 – 2026-11-08 (UTC)".into(),
            filters: None,
        };
        let line = |i: i64| DetailLine {
            when: "2026-11-02 09:00".into(),
            member: "ana@acme.test".into(),
            description: format!("Entry {i} {}", "with a long description ".repeat(8)),
            project: "Site: Design".into(),
            tags: "urgent".into(),
            billable: i % 2 == 0,
            seconds: 60 * i,
        };
        let one = detailed(&heading, &[line(1)]).unwrap();
        assert!(one.bytes.starts_with(b"%PDF"));
        assert_eq!(one.pages, 1);
        let many: Vec<DetailLine> = (0..100).map(line).collect();
        let long = detailed(&heading, &many).unwrap();
        assert_eq!(long.pages, 4, "about 26 rows a page");
        assert!(fit(&"x".repeat(200), 20.0, TEXT).ends_with('…'));
        assert_eq!(fit("Short", 20.0, TEXT), "Short");
        assert_eq!(fit("two\nlines", 40.0, TEXT), "two lines");
        let groups: Vec<SummaryLine> = (0..40)
            .map(|i| SummaryLine {
                name: format!("Project {i}"),
                seconds: 60 * i,
                amount: "0.00".into(),
            })
            .collect();
        let summary = summary(&heading, "Project", &groups, (0, "0.00")).unwrap();
        assert!(summary.pages >= 2, "a long summary goes on");
    }
}
