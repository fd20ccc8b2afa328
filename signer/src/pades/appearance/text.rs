//! Text layout: word wrapping and the largest font size at which all lines fit a rectangle.

/// The largest font size used, in points.
pub(super) const MAX_FONT_SIZE: f32 = 12.0;
/// The smallest font size tried before giving up, in points (about 1.4 mm: still legible
/// when printed).
pub(super) const MIN_FONT_SIZE: f32 = 4.0;
/// The step by which the font size shrinks while searching for a fit.
const SIZE_STEP: f32 = 0.25;
/// Distance between baselines, as a multiple of the font size.
pub(super) const LEADING: f32 = 1.2;

/// Vertical font metrics as fractions of the font size.
#[derive(Debug, Clone, Copy)]
pub(super) struct VerticalMetrics {
    /// Height above the baseline (positive).
    pub(super) ascent: f32,
    /// Depth below the baseline (positive).
    pub(super) descent: f32,
}

/// Lines wrapped to a width, and the font size they were wrapped at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FittedText {
    /// Font size in points.
    pub(super) size: f32,
    /// The lines to draw, top to bottom.
    pub(super) lines: Vec<String>,
}

impl FittedText {
    /// Height of the block: first ascent, leading between baselines, last descent.
    pub(super) fn height(&self, metrics: VerticalMetrics) -> f32 {
        block_height(self.lines.len(), self.size, metrics)
    }
}

fn block_height(lines: usize, size: f32, metrics: VerticalMetrics) -> f32 {
    if lines == 0 {
        return 0.0;
    }
    (lines - 1) as f32 * size * LEADING + size * (metrics.ascent + metrics.descent)
}

/// Finds the largest font size (from [`MAX_FONT_SIZE`] down to [`MIN_FONT_SIZE`] in quarter
/// points) at which `lines`, word-wrapped to `width`, fit into `height`. `measure` gives a
/// string's advance width in thousandths of an em. Returns `None` if nothing fits.
pub(super) fn fit(
    lines: &[String],
    measure: &dyn Fn(&str) -> f32,
    width: f32,
    height: f32,
    metrics: VerticalMetrics,
) -> Option<FittedText> {
    let mut size = MAX_FONT_SIZE;
    while size >= MIN_FONT_SIZE {
        let max_units = width / size * 1000.0;
        let wrapped: Vec<String> = lines
            .iter()
            .flat_map(|line| wrap(line, measure, max_units))
            .collect();
        if block_height(wrapped.len(), size, metrics) <= height {
            return Some(FittedText {
                size,
                lines: wrapped,
            });
        }
        size -= SIZE_STEP;
    }
    None
}

/// Greedy word wrap of one line to `max_units` (thousandths of an em). Runs of white space
/// become one space; a word wider than the line is broken between characters. An empty line
/// stays one empty line.
pub(super) fn wrap(line: &str, measure: &dyn Fn(&str) -> f32, max_units: f32) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if measure(&candidate) <= max_units {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if measure(word) <= max_units {
            current = word.to_owned();
        } else {
            // Break the word between characters; each piece gets at least one character.
            for ch in word.chars() {
                let mut piece = current.clone();
                piece.push(ch);
                if !current.is_empty() && measure(&piece) > max_units {
                    out.push(std::mem::take(&mut current));
                    current.push(ch);
                } else {
                    current = piece;
                }
            }
        }
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character is half an em wide.
    fn half_em(s: &str) -> f32 {
        s.chars().count() as f32 * 500.0
    }

    const METRICS: VerticalMetrics = VerticalMetrics {
        ascent: 0.9,
        descent: 0.25,
    };

    #[test]
    fn wraps_at_words() {
        // 10 characters per line.
        let lines = wrap("aaa bbb ccc dddd", &half_em, 5000.0);
        assert_eq!(lines, ["aaa bbb", "ccc dddd"]);
    }

    #[test]
    fn breaks_long_words_and_keeps_empty_lines() {
        assert_eq!(
            wrap("abcdefghijkl", &half_em, 2000.0),
            ["abcd", "efgh", "ijkl"]
        );
        assert_eq!(wrap("  ", &half_em, 2000.0), [""]);
        assert_eq!(wrap("a    b", &half_em, 5000.0), ["a b"]);
    }

    #[test]
    fn shrinks_until_it_fits() {
        let lines = vec!["x".repeat(40)];
        // 100 pt wide: at 12 pt a line holds 16 characters → 3 lines need 12*(2*1.2+1.15) = 42.6.
        let fitted = fit(&lines, &half_em, 100.0, 50.0, METRICS);
        assert_eq!(fitted.as_ref().map(|f| f.size), Some(12.0));
        assert_eq!(fitted.map(|f| f.lines.len()), Some(3));
        // In 20 pt of height it must shrink.
        let fitted = fit(&lines, &half_em, 100.0, 20.0, METRICS);
        let size = fitted.as_ref().map(|f| f.size).unwrap_or(0.0);
        assert!((MIN_FONT_SIZE..12.0).contains(&size), "{size}");
        assert!(fitted.is_some_and(|f| f.height(METRICS) <= 20.0));
    }

    #[test]
    fn gives_up_below_the_minimum() {
        let lines: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
        assert_eq!(fit(&lines, &half_em, 100.0, 30.0, METRICS), None);
    }
}
