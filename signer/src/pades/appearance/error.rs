//! Errors of the appearance builder: one top-level [`AppearanceError`] and the precise
//! [`PenDataError`] for handwriting that fails validation.

use std::path::PathBuf;

/// Why a signature appearance could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppearanceError {
    /// The font file does not exist.
    #[error(
        "font file {} not found: install Debian's fonts-dejavu-core (scripts/setup) or configure another TrueType font",
        path.display()
    )]
    FontMissing {
        /// The path that was tried.
        path: PathBuf,
    },
    /// The font file exists but could not be read.
    #[error("font file {} could not be read: {source}", path.display())]
    FontRead {
        /// The path that was tried.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The font could not be parsed, or is not a TrueType (`glyf`) font usable as CIDFontType2.
    #[error("font {source_name} is unusable: {reason}")]
    FontInvalid {
        /// The file the font came from, or `<memory>`.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A character of a text line has no glyph in the font; drawing `.notdef` instead would
    /// show something other than the signed text, so it is refused.
    #[error("the font has no glyph for {ch:?} (U+{:04X}) in line {line}", u32::from(*ch))]
    MissingGlyph {
        /// The character.
        ch: char,
        /// Index of the line in [`AppearanceSpec::lines`](super::AppearanceSpec::lines).
        line: usize,
    },
    /// A text line contains a control character (line breaks included: give one line per entry).
    #[error("line {line} contains the control character U+{:04X}", u32::from(*ch))]
    ControlCharacter {
        /// The character.
        ch: char,
        /// Index of the line.
        line: usize,
    },
    /// Too many text lines, or a line too long.
    #[error("text too long: {what} is {actual}, at most {max} allowed")]
    TextTooLong {
        /// What was counted ("lines" or "characters in line N").
        what: String,
        /// The count found.
        actual: usize,
        /// The limit.
        max: usize,
    },
    /// The box is not finite or outside the accepted size range.
    #[error(
        "appearance box {width} x {height} pt is invalid: each side must be between {min} and {max} pt"
    )]
    InvalidBox {
        /// Requested width in points.
        width: f32,
        /// Requested height in points.
        height: f32,
        /// Smallest accepted side.
        min: f32,
        /// Largest accepted side.
        max: f32,
    },
    /// Neither text nor handwriting was given.
    #[error("the appearance has nothing to show: no text and no handwriting")]
    Empty,
    /// The text does not fit into its part of the box even at the smallest font size.
    #[error(
        "the text does not fit into {width} x {height} pt even at {min_size} pt: use a larger box or fewer lines"
    )]
    TextDoesNotFit {
        /// Width available for text, in points.
        width: f32,
        /// Height available for text, in points.
        height: f32,
        /// The smallest font size tried.
        min_size: f32,
    },
    /// The handwriting pen data is invalid.
    #[error("invalid pen data: {0}")]
    PenData(#[from] PenDataError),
    /// The font subsetter failed (a font feature it does not support, or a bug).
    #[error("font subsetting failed: {reason}")]
    Subset {
        /// The subsetter's message.
        reason: String,
    },
    /// Compressing a stream failed (an internal error: compression into memory cannot fail
    /// for lack of space).
    #[error("stream compression failed: {0}")]
    Compression(#[source] std::io::Error),
}

/// Why pen data was rejected. Stroke and point indices count from 0.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PenDataError {
    /// The tablet coordinate space is empty.
    #[error("tablet size {width} x {height} is invalid: both sides must be at least 1")]
    InvalidTabletSize {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// There are no strokes at all.
    #[error("no strokes")]
    NoStrokes,
    /// A stroke has no points.
    #[error("stroke {stroke} has no points")]
    EmptyStroke {
        /// Index of the stroke.
        stroke: usize,
    },
    /// Too many strokes.
    #[error("{count} strokes, at most {max} allowed")]
    TooManyStrokes {
        /// Strokes found.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Too many points in all strokes together.
    #[error("{count} points, at most {max} allowed")]
    TooManyPoints {
        /// Points found (counting stops a little past the limit).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A coordinate or pressure is NaN or infinite.
    #[error("stroke {stroke} point {point}: coordinate or pressure is not a finite number")]
    NotFinite {
        /// Index of the stroke.
        stroke: usize,
        /// Index of the point in the stroke.
        point: usize,
    },
    /// A point lies outside the tablet coordinate space.
    #[error(
        "stroke {stroke} point {point}: ({x}, {y}) lies outside the tablet space 0..={width} x 0..={height}"
    )]
    OutOfBounds {
        /// Index of the stroke.
        stroke: usize,
        /// Index of the point in the stroke.
        point: usize,
        /// The x coordinate.
        x: f32,
        /// The y coordinate.
        y: f32,
        /// Tablet width.
        width: u32,
        /// Tablet height.
        height: u32,
    },
    /// A pressure outside 0..=1.
    #[error("stroke {stroke} point {point}: pressure {pressure} is outside 0..=1")]
    PressureOutOfRange {
        /// Index of the stroke.
        stroke: usize,
        /// Index of the point in the stroke.
        point: usize,
        /// The pressure given.
        pressure: f32,
    },
}
