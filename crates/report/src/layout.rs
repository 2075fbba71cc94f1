//! The report as a flow of blocks (headings, paragraphs, tables, figures, lists) laid out on
//! pages, drawn with real text, and tagged so that a screen reader reads it in order: sections,
//! headings, paragraphs, tables with header cells, figures with their alternative text. The
//! running header (patient and period) and footer (page numbers) are marked as artifacts.

use std::num::NonZeroU16;

use krilla::{
    destination::XyzDestination,
    geom::Point,
    outline::{Outline, OutlineNode},
    page::PageSettings,
    surface::Surface,
    tagging::{
        Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, Node, SpanTag,
        TableHeaderScope, Tag, TagGroup,
    },
    Document,
};

use crate::{
    charts::Chart,
    draw::{self, Colour, ACCENT, BORDER, MUTED, TEXT},
    fonts::{Fonts, Weight},
};

/// How a paragraph looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    Body,
    Strong,
    /// Smaller and quieter: notes and sources.
    Note,
}

/// One piece of the report's flow.
#[derive(Debug, Clone)]
pub enum Block {
    /// Opens a section (a `Sect` in the structure); closed by [`Block::SectionEnd`].
    SectionStart,
    SectionEnd,
    Heading {
        level: u16,
        text: String,
    },
    Paragraph {
        text: String,
        style: TextStyle,
    },
    Table(Table),
    Figure(Figure),
    List(Vec<String>),
}

/// A table: a header row and body rows, columns as shares of the width. The first column
/// names its row when `row_headers` is set.
#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub widths: Vec<f32>,
    pub row_headers: bool,
}

/// A chart with its alternative text (what it shows, in words) and a visible caption.
#[derive(Debug, Clone)]
pub struct Figure {
    pub chart: Chart,
    pub height: f32,
    pub alt: String,
    pub caption: String,
}

/// Page size and what every page says.
#[derive(Debug, Clone)]
pub struct PageFrame {
    pub width: f32,
    pub height: f32,
    /// The running header: the patient's name and the period.
    pub header: String,
    /// The footer's left part (the page number goes right).
    pub footer: String,
}

const MARGIN_X: f32 = 48.0;
const MARGIN_TOP: f32 = 62.0;
const MARGIN_BOTTOM: f32 = 52.0;
const BODY_SIZE: f32 = 9.5;
const BODY_LEADING: f32 = 13.5;
const NOTE_SIZE: f32 = 8.0;
const NOTE_LEADING: f32 = 11.0;
const TABLE_SIZE: f32 = 8.8;
const TABLE_LEADING: f32 = 11.5;
const CELL_PAD_X: f32 = 5.0;
const CELL_PAD_Y: f32 = 3.5;

fn heading_style(level: u16) -> (f32, f32, f32) {
    // (size, leading, space before)
    match level {
        1 => (20.0, 26.0, 0.0),
        2 => (13.5, 19.0, 12.0),
        _ => (10.5, 15.0, 6.0),
    }
}

fn paragraph_style(style: TextStyle) -> (Weight, f32, f32, Colour) {
    match style {
        TextStyle::Body => (Weight::Regular, BODY_SIZE, BODY_LEADING, TEXT),
        TextStyle::Strong => (Weight::Bold, BODY_SIZE, BODY_LEADING, TEXT),
        TextStyle::Note => (Weight::Regular, NOTE_SIZE, NOTE_LEADING, MUTED),
    }
}

/// Where a block (or part of a table) goes.
#[derive(Debug, Clone)]
enum Placement {
    Block {
        index: usize,
        y: f32,
    },
    Rows {
        index: usize,
        y: f32,
        from: usize,
        until: usize,
        repeat_header: bool,
    },
}

struct Layout<'a> {
    fonts: &'a Fonts,
    width: f32,
}

impl Layout<'_> {
    fn lines(&self, text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
        self.fonts.wrap(text, weight, size, width)
    }

    fn column_widths(&self, table: &Table) -> Vec<f32> {
        let total: f32 = table.widths.iter().sum::<f32>().max(0.0001);
        table
            .widths
            .iter()
            .map(|w| w / total * self.width)
            .collect()
    }

    fn row_height(&self, table: &Table, cells: &[String], weight: Weight) -> f32 {
        let widths = self.column_widths(table);
        let lines = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| {
                self.lines(cell, weight, TABLE_SIZE, w - 2.0 * CELL_PAD_X)
                    .len()
            })
            .max()
            .unwrap_or(1);
        lines as f32 * TABLE_LEADING + 2.0 * CELL_PAD_Y
    }

    fn height(&self, block: &Block) -> f32 {
        match block {
            Block::SectionStart | Block::SectionEnd => 0.0,
            Block::Heading { level, text } => {
                let (size, leading, before) = heading_style(*level);
                before
                    + self.lines(text, Weight::Bold, size, self.width).len() as f32 * leading
                    + 3.0
            }
            Block::Paragraph { text, style } => {
                let (weight, size, leading, _) = paragraph_style(*style);
                self.lines(text, weight, size, self.width).len() as f32 * leading + 5.0
            }
            Block::Table(table) => {
                self.row_height(table, &table.header, Weight::Bold)
                    + table
                        .rows
                        .iter()
                        .map(|r| self.row_height(table, r, Weight::Regular))
                        .sum::<f32>()
                    + 8.0
            }
            Block::Figure(figure) => {
                figure.height
                    + self
                        .lines(&figure.caption, Weight::Regular, NOTE_SIZE, self.width)
                        .len() as f32
                        * NOTE_LEADING
                    + 12.0
            }
            Block::List(items) => {
                items
                    .iter()
                    .map(|item| {
                        self.lines(item, Weight::Regular, NOTE_SIZE, self.width - 12.0)
                            .len() as f32
                            * NOTE_LEADING
                            + 2.0
                    })
                    .sum::<f32>()
                    + 4.0
            }
        }
    }

    /// Blocks onto pages: a block that does not fit goes to the next page (a table splits
    /// between rows, repeating its header); a heading stays with what follows it.
    fn paginate(&self, blocks: &[Block], top: f32, bottom: f32) -> Vec<Vec<Placement>> {
        let mut pages: Vec<Vec<Placement>> = vec![Vec::new()];
        let mut y = top;
        for (index, block) in blocks.iter().enumerate() {
            let height = self.height(block);
            if let Block::Table(table) = block {
                let header = self.row_height(table, &table.header, Weight::Bold);
                // A short table that fits on a page is not split: it moves to the next page whole.
                if y + height > bottom
                    && y > top
                    && height <= bottom - top
                    && table.rows.len() <= 20
                {
                    pages.push(Vec::new());
                    y = top;
                }
                let mut from = 0;
                let mut repeat_header = false;
                while from < table.rows.len() || (from == 0 && table.rows.is_empty()) {
                    let mut until = from;
                    let mut used = header;
                    while until < table.rows.len() {
                        let row = self.row_height(table, &table.rows[until], Weight::Regular);
                        if y + used + row > bottom && until > from {
                            break;
                        }
                        used += row;
                        until += 1;
                    }
                    if y + used > bottom && y > top {
                        pages.push(Vec::new());
                        y = top;
                        repeat_header = from > 0;
                        continue;
                    }
                    if let Some(page) = pages.last_mut() {
                        page.push(Placement::Rows {
                            index,
                            y,
                            from,
                            until,
                            repeat_header,
                        });
                    }
                    y += used + 8.0;
                    if until >= table.rows.len() {
                        break;
                    }
                    from = until;
                    pages.push(Vec::new());
                    y = top;
                    repeat_header = true;
                }
                continue;
            }
            let keep_with = match block {
                Block::Heading { .. } => blocks[index + 1..]
                    .iter()
                    .find(|b| !matches!(b, Block::SectionStart | Block::SectionEnd))
                    .map(|next| match next {
                        Block::Table(table) => {
                            let rows: f32 = table
                                .rows
                                .iter()
                                .take(2)
                                .map(|r| self.row_height(table, r, Weight::Regular))
                                .sum();
                            self.row_height(table, &table.header, Weight::Bold) + rows
                        }
                        other => self.height(other).min(bottom - top - height),
                    })
                    .unwrap_or(0.0),
                _ => 0.0,
            };
            if y + height + keep_with > bottom && y > top {
                pages.push(Vec::new());
                y = top;
            }
            if let Some(page) = pages.last_mut() {
                page.push(Placement::Block { index, y });
            }
            y += height;
        }
        pages
    }
}

/// What each block contributed to the structure tree.
#[derive(Default)]
struct Tags {
    nodes: Vec<Vec<Node>>,
    table_header: Vec<Option<TagGroup>>,
    table_rows: Vec<Vec<TagGroup>>,
}

/// Lays `blocks` out on pages of `frame` and draws them into `document`, tagged. Returns the
/// structure tree's top-level nodes and the outline (one entry per level-2 heading).
pub fn render(
    document: &mut Document,
    fonts: &Fonts,
    frame: &PageFrame,
    blocks: &[Block],
    language: &str,
) -> (Vec<Node>, Outline) {
    let layout = Layout {
        fonts,
        width: frame.width - 2.0 * MARGIN_X,
    };
    let top = MARGIN_TOP;
    let bottom = frame.height - MARGIN_BOTTOM;
    let pages = layout.paginate(blocks, top, bottom);
    let mut tags = Tags {
        nodes: vec![Vec::new(); blocks.len()],
        table_header: vec![None; blocks.len()],
        table_rows: vec![Vec::new(); blocks.len()],
    };
    let mut outline = Outline::new();
    let total = pages.len();
    for (page_index, placements) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(frame.width, frame.height);
        let Some(settings) = settings else { continue };
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        running_header_and_footer(&mut surface, fonts, frame, page_index + 1, total);
        for placement in placements {
            match placement {
                Placement::Block { index, y } => {
                    let block = &blocks[*index];
                    if let Block::Heading { level: 2, text } = block {
                        outline.push_child(OutlineNode::new(
                            text.clone(),
                            XyzDestination::new(page_index, Point::from_xy(MARGIN_X, *y)),
                        ));
                    }
                    let nodes = draw_block(&mut surface, &layout, block, *y, language);
                    tags.nodes[*index].extend(nodes);
                }
                Placement::Rows {
                    index,
                    y,
                    from,
                    until,
                    repeat_header,
                } => {
                    if let Block::Table(table) = &blocks[*index] {
                        draw_table_rows(
                            &mut surface,
                            &layout,
                            table,
                            *y,
                            *from,
                            *until,
                            *repeat_header,
                            *index,
                            &mut tags,
                        );
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    // Tables: header and body rows, in order.
    for (index, block) in blocks.iter().enumerate() {
        if let Block::Table(_) = block {
            let mut table = TagGroup::new(Tag::Table);
            if let Some(header) = tags.table_header[index].take() {
                table.push(TagGroup::with_children(Tag::THead, vec![header.into()]));
            }
            let rows: Vec<Node> = std::mem::take(&mut tags.table_rows[index])
                .into_iter()
                .map(Node::from)
                .collect();
            if !rows.is_empty() {
                table.push(TagGroup::with_children(Tag::TBody, rows));
            }
            tags.nodes[index].push(table.into());
        }
    }
    // Sections nest what lies between their start and end.
    let mut stack: Vec<Vec<Node>> = vec![Vec::new()];
    for (index, block) in blocks.iter().enumerate() {
        match block {
            Block::SectionStart => stack.push(Vec::new()),
            Block::SectionEnd => {
                if stack.len() > 1 {
                    let children = stack.pop().unwrap_or_default();
                    if let Some(parent) = stack.last_mut() {
                        if !children.is_empty() {
                            parent.push(TagGroup::with_children(Tag::Section, children).into());
                        }
                    }
                }
            }
            _ => {
                if let Some(current) = stack.last_mut() {
                    current.append(&mut tags.nodes[index]);
                }
            }
        }
    }
    while stack.len() > 1 {
        let children = stack.pop().unwrap_or_default();
        if let Some(parent) = stack.last_mut() {
            parent.push(TagGroup::with_children(Tag::Section, children).into());
        }
    }
    (stack.pop().unwrap_or_default(), outline)
}

fn running_header_and_footer(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    frame: &PageFrame,
    page: usize,
    pages: usize,
) {
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
        ArtifactType::Header,
    )));
    let header = fonts.wrap(
        &frame.header,
        Weight::Regular,
        NOTE_SIZE,
        frame.width - 2.0 * MARGIN_X - 40.0,
    );
    let mut y = 30.0;
    for line in header.iter().take(2) {
        draw::text(
            surface,
            fonts,
            MARGIN_X,
            y,
            line,
            Weight::Regular,
            NOTE_SIZE,
            MUTED,
        );
        y += NOTE_LEADING;
    }
    let brand = "Tend";
    let brand_width = fonts.width(brand, Weight::Bold, 9.0);
    draw::text(
        surface,
        fonts,
        frame.width - MARGIN_X - brand_width,
        30.0,
        brand,
        Weight::Bold,
        9.0,
        ACCENT,
    );
    draw::line(
        surface,
        MARGIN_X,
        44.0,
        frame.width - MARGIN_X,
        44.0,
        BORDER,
        0.6,
        None,
    );
    surface.end_tagged();
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
        ArtifactType::Footer,
    )));
    let baseline = frame.height - 28.0;
    draw::line(
        surface,
        MARGIN_X,
        baseline - 12.0,
        frame.width - MARGIN_X,
        baseline - 12.0,
        BORDER,
        0.6,
        None,
    );
    let footer = fonts.wrap(
        &frame.footer,
        Weight::Regular,
        NOTE_SIZE,
        frame.width - 2.0 * MARGIN_X - 80.0,
    );
    if let Some(first) = footer.first() {
        draw::text(
            surface,
            fonts,
            MARGIN_X,
            baseline,
            first,
            Weight::Regular,
            NOTE_SIZE,
            MUTED,
        );
    }
    let number = format!("Page {page} of {pages}");
    let width = fonts.width(&number, Weight::Regular, NOTE_SIZE);
    draw::text(
        surface,
        fonts,
        frame.width - MARGIN_X - width,
        baseline,
        &number,
        Weight::Regular,
        NOTE_SIZE,
        MUTED,
    );
    surface.end_tagged();
}

/// Draws lines of text as one tagged span each; returns their identifiers.
#[allow(clippy::too_many_arguments)]
fn tagged_lines(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    lines: &[String],
    x: f32,
    first_baseline: f32,
    leading: f32,
    weight: Weight,
    size: f32,
    colour: Colour,
) -> Vec<Identifier> {
    let mut ids = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
        draw::text(
            surface,
            fonts,
            x,
            first_baseline + i as f32 * leading,
            line,
            weight,
            size,
            colour,
        );
        surface.end_tagged();
        ids.push(id);
    }
    ids
}

fn group(tag: impl Into<krilla::tagging::TagKind>, ids: Vec<Identifier>) -> Node {
    TagGroup::with_children(tag, ids.into_iter().map(Node::from).collect()).into()
}

fn draw_block(
    surface: &mut Surface<'_>,
    layout: &Layout<'_>,
    block: &Block,
    y: f32,
    language: &str,
) -> Vec<Node> {
    let fonts = layout.fonts;
    match block {
        Block::Heading { level, text } => {
            let (size, leading, before) = heading_style(*level);
            let lines = layout.lines(text, Weight::Bold, size, layout.width);
            let colour = if *level == 1 { ACCENT } else { TEXT };
            let ids = tagged_lines(
                surface,
                fonts,
                &lines,
                MARGIN_X,
                y + before + size,
                leading,
                Weight::Bold,
                size,
                colour,
            );
            let level = NonZeroU16::new(*level).unwrap_or(NonZeroU16::MIN);
            vec![group(Tag::Hn(level, Some(text.clone())), ids)]
        }
        Block::Paragraph { text, style } => {
            let (weight, size, leading, colour) = paragraph_style(*style);
            let lines = layout.lines(text, weight, size, layout.width);
            let ids = tagged_lines(
                surface,
                fonts,
                &lines,
                MARGIN_X,
                y + size,
                leading,
                weight,
                size,
                colour,
            );
            vec![group(Tag::P, ids)]
        }
        Block::Figure(figure) => {
            let id = surface.start_tagged(ContentTag::Other);
            let month_first = language
                .to_ascii_lowercase()
                .replace('_', "-")
                .starts_with("en-us");
            figure.chart.draw(
                surface,
                fonts,
                MARGIN_X,
                y + 4.0,
                layout.width,
                figure.height - 4.0,
                month_first,
            );
            surface.end_tagged();
            let caption_lines =
                layout.lines(&figure.caption, Weight::Regular, NOTE_SIZE, layout.width);
            let caption = tagged_lines(
                surface,
                fonts,
                &caption_lines,
                MARGIN_X,
                y + figure.height + 4.0 + NOTE_SIZE,
                NOTE_LEADING,
                Weight::Regular,
                NOTE_SIZE,
                MUTED,
            );
            vec![
                group(Tag::Figure(Some(figure.alt.clone())), vec![id]),
                group(Tag::Caption, caption),
            ]
        }
        Block::List(items) => {
            let mut list = TagGroup::new(Tag::L(ListNumbering::Disc));
            let mut y = y;
            for item in items {
                let lines = layout.lines(item, Weight::Regular, NOTE_SIZE, layout.width - 12.0);
                let bullet = tagged_lines(
                    surface,
                    fonts,
                    &["•".to_owned()],
                    MARGIN_X + 2.0,
                    y + NOTE_SIZE,
                    NOTE_LEADING,
                    Weight::Regular,
                    NOTE_SIZE,
                    MUTED,
                );
                let body = tagged_lines(
                    surface,
                    fonts,
                    &lines,
                    MARGIN_X + 12.0,
                    y + NOTE_SIZE,
                    NOTE_LEADING,
                    Weight::Regular,
                    NOTE_SIZE,
                    MUTED,
                );
                let mut entry = TagGroup::new(Tag::LI);
                entry.push(group(Tag::Lbl, bullet));
                entry.push(group(Tag::LBody, body));
                list.push(entry);
                y += lines.len() as f32 * NOTE_LEADING + 2.0;
            }
            vec![list.into()]
        }
        Block::Table(_) | Block::SectionStart | Block::SectionEnd => Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_table_rows(
    surface: &mut Surface<'_>,
    layout: &Layout<'_>,
    table: &Table,
    y: f32,
    from: usize,
    until: usize,
    repeat_header: bool,
    index: usize,
    tags: &mut Tags,
) {
    let fonts = layout.fonts;
    let widths = layout.column_widths(table);
    let mut y = y;
    // Header row: tagged the first time, an artifact when repeated on a later page.
    let header_height = layout.row_height(table, &table.header, Weight::Bold);
    if repeat_header {
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Layout,
        )));
    }
    draw::rect(
        surface,
        MARGIN_X,
        y,
        layout.width,
        header_height,
        draw::BACKGROUND,
        1.0,
    );
    if repeat_header {
        surface.end_tagged();
    }
    let mut header_row = TagGroup::new(Tag::TR);
    let mut x = MARGIN_X;
    for (cell, width) in table.header.iter().zip(&widths) {
        let lines = layout.lines(cell, Weight::Bold, TABLE_SIZE, width - 2.0 * CELL_PAD_X);
        if repeat_header {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                ArtifactType::Layout,
            )));
            for (i, line) in lines.iter().enumerate() {
                draw::text(
                    surface,
                    fonts,
                    x + CELL_PAD_X,
                    y + CELL_PAD_Y + TABLE_SIZE + i as f32 * TABLE_LEADING,
                    line,
                    Weight::Bold,
                    TABLE_SIZE,
                    TEXT,
                );
            }
            surface.end_tagged();
        } else {
            let ids = tagged_lines(
                surface,
                fonts,
                &lines,
                x + CELL_PAD_X,
                y + CELL_PAD_Y + TABLE_SIZE,
                TABLE_LEADING,
                Weight::Bold,
                TABLE_SIZE,
                TEXT,
            );
            header_row.push(group(Tag::TH(TableHeaderScope::Column), ids));
        }
        x += width;
    }
    if !repeat_header {
        tags.table_header[index] = Some(header_row);
    }
    y += header_height;
    for row in &table.rows[from..until] {
        let height = layout.row_height(table, row, Weight::Regular);
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Layout,
        )));
        draw::line(
            surface,
            MARGIN_X,
            y + height,
            MARGIN_X + layout.width,
            y + height,
            BORDER,
            0.5,
            None,
        );
        surface.end_tagged();
        let mut tr = TagGroup::new(Tag::TR);
        let mut x = MARGIN_X;
        for (column, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let header = table.row_headers && column == 0;
            let weight = if header {
                Weight::Bold
            } else {
                Weight::Regular
            };
            let lines = layout.lines(cell, weight, TABLE_SIZE, width - 2.0 * CELL_PAD_X);
            let ids = tagged_lines(
                surface,
                fonts,
                &lines,
                x + CELL_PAD_X,
                y + CELL_PAD_Y + TABLE_SIZE,
                TABLE_LEADING,
                weight,
                TABLE_SIZE,
                TEXT,
            );
            if header {
                tr.push(group(Tag::TH(TableHeaderScope::Row), ids));
            } else {
                tr.push(group(Tag::TD, ids));
            }
            x += width;
        }
        tags.table_rows[index].push(tr);
        y += height;
    }
}
