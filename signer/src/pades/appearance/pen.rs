//! Handwriting: pen data from a signature tablet, its validation, rendering to an RGBA raster
//! with anti-aliased, pressure-dependent strokes, and the image XObjects that embed it.

use image::{Rgba, RgbaImage};
use lopdf::{Dictionary, Object, ObjectId};
use serde::{Deserialize, Serialize};

use super::pdf::{LocalIds, flate_stream, name};
use super::{AppearanceError, PenDataError};

/// At most this many strokes.
pub const MAX_STROKES: usize = 1_000;
/// At most this many points in all strokes together (50 s of a 200 Hz tablet).
pub const MAX_POINTS: usize = 10_000;

/// The ink colour: a dark blue, like a ballpoint pen.
pub const INK: [u8; 3] = [0x12, 0x23, 0x6b];

/// Sampled pen movement from a signature tablet.
///
/// Coordinates are in the tablet's own space: `0..=width` × `0..=height`, origin at the top
/// left, y growing downwards (as tablets and raster images count). Only the shape matters:
/// the drawing is scaled to its ink's bounding box when rendered.
///
/// JSON form: `{"width": 640, "height": 480, "strokes": [[{"x": 1, "y": 2, "pressure": 0.5}, …], …]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PenData {
    /// Width of the tablet coordinate space.
    pub width: u32,
    /// Height of the tablet coordinate space.
    pub height: u32,
    /// Pen-down strokes, each a sequence of samples in time order.
    pub strokes: Vec<Vec<PenPoint>>,
}

/// One pen sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PenPoint {
    /// Horizontal position, `0..=width`.
    pub x: f32,
    /// Vertical position, `0..=height`, downwards.
    pub y: f32,
    /// Normalised pressure, `0..=1`; the stroke gets thicker with it.
    pub pressure: f32,
}

impl PenData {
    /// Checks the limits ([`MAX_STROKES`], [`MAX_POINTS`]), that every number is finite,
    /// every point inside the tablet space and every pressure within `0..=1`.
    ///
    /// # Errors
    /// The first [`PenDataError`] found.
    pub fn validate(&self) -> Result<(), PenDataError> {
        if self.width == 0 || self.height == 0 {
            return Err(PenDataError::InvalidTabletSize {
                width: self.width,
                height: self.height,
            });
        }
        if self.strokes.is_empty() {
            return Err(PenDataError::NoStrokes);
        }
        if self.strokes.len() > MAX_STROKES {
            return Err(PenDataError::TooManyStrokes {
                count: self.strokes.len(),
                max: MAX_STROKES,
            });
        }
        let count: usize = self.strokes.iter().map(Vec::len).sum();
        if count > MAX_POINTS {
            return Err(PenDataError::TooManyPoints {
                count,
                max: MAX_POINTS,
            });
        }
        let (w, h) = (self.width as f32, self.height as f32);
        for (stroke, points) in self.strokes.iter().enumerate() {
            if points.is_empty() {
                return Err(PenDataError::EmptyStroke { stroke });
            }
            for (point, p) in points.iter().enumerate() {
                if !(p.x.is_finite() && p.y.is_finite() && p.pressure.is_finite()) {
                    return Err(PenDataError::NotFinite { stroke, point });
                }
                if !(0.0..=w).contains(&p.x) || !(0.0..=h).contains(&p.y) {
                    return Err(PenDataError::OutOfBounds {
                        stroke,
                        point,
                        x: p.x,
                        y: p.y,
                        width: self.width,
                        height: self.height,
                    });
                }
                if !(0.0..=1.0).contains(&p.pressure) {
                    return Err(PenDataError::PressureOutOfRange {
                        stroke,
                        point,
                        pressure: p.pressure,
                    });
                }
            }
        }
        Ok(())
    }

    /// Renders the handwriting into a `width_px` × `height_px` raster with a transparent
    /// background and [`INK`]-coloured strokes.
    ///
    /// The ink's bounding box is scaled uniformly to fill the raster (less a margin of half
    /// the widest stroke) and centred. Stroke diameter runs from 30 % of `pen_width_px` at
    /// pressure 0 to `pen_width_px` at pressure 1, interpolated along each segment. Edges are
    /// anti-aliased by pixel coverage; overlapping strokes do not darken each other. Every
    /// pixel has the ink's RGB; only alpha varies.
    ///
    /// # Errors
    /// As [`PenData::validate`].
    pub fn render(
        &self,
        width_px: u32,
        height_px: u32,
        pen_width_px: f32,
    ) -> Result<RgbaImage, PenDataError> {
        self.validate()?;
        let (w, h) = (width_px as usize, height_px as usize);
        let mut coverage = vec![0f32; w * h];
        let max_radius = (pen_width_px / 2.0).max(0.5);
        let radius = |pressure: f32| (max_radius * (0.3 + 0.7 * pressure)).max(0.5);

        // Ink bounding box in tablet space.
        let points = self.strokes.iter().flatten();
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in points {
            x0 = x0.min(p.x);
            y0 = y0.min(p.y);
            x1 = x1.max(p.x);
            y1 = y1.max(p.y);
        }
        let margin = max_radius + 1.0;
        let avail_w = (width_px as f32 - 2.0 * margin).max(1.0);
        let avail_h = (height_px as f32 - 2.0 * margin).max(1.0);
        let (ink_w, ink_h) = (x1 - x0, y1 - y0);
        let scale = match (ink_w > f32::EPSILON, ink_h > f32::EPSILON) {
            (true, true) => (avail_w / ink_w).min(avail_h / ink_h),
            (true, false) => avail_w / ink_w,
            (false, true) => avail_h / ink_h,
            (false, false) => 0.0,
        };
        let off_x = (width_px as f32 - ink_w * scale) / 2.0;
        let off_y = (height_px as f32 - ink_h * scale) / 2.0;
        let to_px = |p: &PenPoint| Dot {
            x: off_x + (p.x - x0) * scale,
            y: off_y + (p.y - y0) * scale,
            r: radius(p.pressure),
        };

        let mut canvas = Canvas {
            coverage: &mut coverage,
            width: w,
            height: h,
        };
        for stroke in &self.strokes {
            let dots: Vec<Dot> = stroke.iter().map(to_px).collect();
            match dots.as_slice() {
                [] => {}
                [dot] => canvas.segment(*dot, *dot),
                _ => dots
                    .windows(2)
                    .for_each(|pair| canvas.segment(pair[0], pair[1])),
            }
        }

        let mut image = RgbaImage::new(width_px, height_px);
        for (pixel, cov) in image.pixels_mut().zip(coverage) {
            let alpha = (cov.clamp(0.0, 1.0) * 255.0).round() as u8;
            *pixel = Rgba([INK[0], INK[1], INK[2], alpha]);
        }
        Ok(image)
    }
}

/// A point of a stroke in raster space with its radius.
#[derive(Debug, Clone, Copy)]
struct Dot {
    x: f32,
    y: f32,
    r: f32,
}

/// Per-pixel ink coverage in `0..=1`, row-major.
struct Canvas<'a> {
    coverage: &'a mut [f32],
    width: usize,
    height: usize,
}

impl Canvas<'_> {
    /// Longest piece a segment is drawn in, so a long segment's bounding box stays small.
    const PIECE: f32 = 8.0;

    /// Draws a capsule from `a` to `b` whose radius goes linearly from `a.r` to `b.r`.
    fn segment(&mut self, a: Dot, b: Dot) {
        let length = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
        let pieces = (length / Self::PIECE).ceil().max(1.0) as usize;
        let lerp = |t: f32| Dot {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
            r: a.r + (b.r - a.r) * t,
        };
        for i in 0..pieces {
            let p = lerp(i as f32 / pieces as f32);
            let q = lerp((i + 1) as f32 / pieces as f32);
            self.piece(p, q);
        }
    }

    fn piece(&mut self, a: Dot, b: Dot) {
        let reach = a.r.max(b.r) + 1.0;
        let clamp_x = |v: f32| (v.max(0.0) as usize).min(self.width);
        let clamp_y = |v: f32| (v.max(0.0) as usize).min(self.height);
        let (px0, px1) = (
            clamp_x(a.x.min(b.x) - reach),
            clamp_x(a.x.max(b.x) + reach + 1.0),
        );
        let (py0, py1) = (
            clamp_y(a.y.min(b.y) - reach),
            clamp_y(a.y.max(b.y) + reach + 1.0),
        );
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        for py in py0..py1 {
            let cy = py as f32 + 0.5;
            for px in px0..px1 {
                let index = py * self.width + px;
                if self.coverage[index] >= 1.0 {
                    continue;
                }
                let cx = px as f32 + 0.5;
                let t = if len2 > 0.0 {
                    (((cx - a.x) * dx + (cy - a.y) * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (nx, ny) = (a.x + dx * t - cx, a.y + dy * t - cy);
                let distance = (nx * nx + ny * ny).sqrt();
                let r = a.r + (b.r - a.r) * t;
                // Coverage of a pixel by an edge at distance `r`: a one-pixel linear ramp.
                let cov = (r + 0.5 - distance).clamp(0.0, 1.0);
                let cell = &mut self.coverage[index];
                if cov > *cell {
                    *cell = cov;
                }
            }
        }
    }
}

/// Embeds `image` as an `/Image` XObject (DeviceRGB, 8 bits, FlateDecode) with its alpha as
/// an `/SMask` (DeviceGray, FlateDecode), ISO 32000-1 §8.9.5 and §11.6.5.3. Returns the
/// image's local id and both objects.
///
/// # Errors
/// [`AppearanceError::Compression`].
pub(super) fn image_objects(
    image: &RgbaImage,
    ids: &mut LocalIds,
) -> Result<(ObjectId, Vec<(ObjectId, Object)>), AppearanceError> {
    let pixels = image.as_raw();
    let rgb: Vec<u8> = pixels
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let alpha: Vec<u8> = pixels.chunks_exact(4).map(|p| p[3]).collect();

    let image_id = ids.next();
    let mask_id = ids.next();
    let base = |space: &str| {
        Dictionary::from_iter(vec![
            ("Type", name("XObject")),
            ("Subtype", name("Image")),
            ("Width", Object::Integer(i64::from(image.width()))),
            ("Height", Object::Integer(i64::from(image.height()))),
            ("ColorSpace", name(space)),
            ("BitsPerComponent", Object::Integer(8)),
        ])
    };
    let mut image_dict = base("DeviceRGB");
    image_dict.set("SMask", Object::Reference(mask_id));
    let image_stream = flate_stream(image_dict, &rgb)?;
    let mask_stream = flate_stream(base("DeviceGray"), &alpha)?;
    Ok((
        image_id,
        vec![
            (image_id, Object::Stream(image_stream)),
            (mask_id, Object::Stream(mask_stream)),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f32, y: f32) -> PenPoint {
        PenPoint {
            x,
            y,
            pressure: 0.5,
        }
    }

    fn pen(strokes: Vec<Vec<PenPoint>>) -> PenData {
        PenData {
            width: 100,
            height: 50,
            strokes,
        }
    }

    #[test]
    fn rejects_bad_numbers_and_bounds() {
        let nan = pen(vec![vec![point(1.0, 1.0), point(f32::NAN, 2.0)]]);
        assert_eq!(
            nan.validate(),
            Err(PenDataError::NotFinite {
                stroke: 0,
                point: 1
            })
        );
        let outside = pen(vec![vec![point(1.0, 1.0)], vec![point(101.0, 2.0)]]);
        assert!(matches!(
            outside.validate(),
            Err(PenDataError::OutOfBounds {
                stroke: 1,
                point: 0,
                ..
            })
        ));
        let negative = pen(vec![vec![point(-0.5, 1.0)]]);
        assert!(matches!(
            negative.validate(),
            Err(PenDataError::OutOfBounds { .. })
        ));
        let mut heavy = pen(vec![vec![point(1.0, 1.0)]]);
        heavy.strokes[0][0].pressure = 1.5;
        assert!(matches!(
            heavy.validate(),
            Err(PenDataError::PressureOutOfRange { .. })
        ));
        assert_eq!(pen(vec![]).validate(), Err(PenDataError::NoStrokes));
        assert_eq!(
            pen(vec![vec![point(1.0, 1.0)], vec![]]).validate(),
            Err(PenDataError::EmptyStroke { stroke: 1 })
        );
        let zero = PenData {
            width: 0,
            ..pen(vec![vec![point(0.0, 0.0)]])
        };
        assert!(matches!(
            zero.validate(),
            Err(PenDataError::InvalidTabletSize { .. })
        ));
    }

    #[test]
    fn rejects_too_many_points_and_strokes() {
        let many = pen(vec![vec![point(1.0, 1.0); MAX_POINTS + 1]]);
        assert!(matches!(
            many.validate(),
            Err(PenDataError::TooManyPoints { .. })
        ));
        let strokes = pen(vec![vec![point(1.0, 1.0)]; MAX_STROKES + 1]);
        assert!(matches!(
            strokes.validate(),
            Err(PenDataError::TooManyStrokes { .. })
        ));
    }

    #[test]
    fn renders_a_horizontal_line_across_the_middle() {
        let line = pen(vec![vec![point(10.0, 25.0), point(90.0, 25.0)]]);
        let image = line.render(200, 60, 6.0);
        let Ok(image) = image else {
            panic!("render failed: {image:?}");
        };
        // A horizontal line: its ink box has no height, so it is centred vertically.
        assert_eq!(image.get_pixel(100, 30).0[3], 255);
        assert_eq!(image.get_pixel(100, 5).0[3], 0);
        assert_eq!(image.get_pixel(100, 55).0[3], 0);
        // Anti-aliased: some partly covered pixels at the edge.
        let column: Vec<u8> = (0..60).map(|y| image.get_pixel(100, y).0[3]).collect();
        assert!(column.iter().any(|a| *a > 0 && *a < 255), "{column:?}");
        // Every pixel carries the ink colour.
        assert!(image.pixels().all(|p| p.0[..3] == INK));
    }

    #[test]
    fn pressure_widens_the_stroke() {
        let width_at = |pressure: f32| {
            let mut data = pen(vec![vec![point(0.0, 25.0), point(100.0, 25.0)]]);
            data.strokes[0]
                .iter_mut()
                .for_each(|p| p.pressure = pressure);
            let image = data.render(200, 60, 10.0).unwrap_or_default();
            (0..60)
                .filter(|y| image.get_pixel(100, *y).0[3] > 127)
                .count()
        };
        assert!(
            width_at(1.0) > width_at(0.0) + 3,
            "{} vs {}",
            width_at(1.0),
            width_at(0.0)
        );
    }

    #[test]
    fn single_points_are_dots_and_json_parses() {
        let json = r#"{"width": 10, "height": 10, "strokes": [[{"x": 5, "y": 5, "pressure": 1}]]}"#;
        let data: PenData = match serde_json::from_str(json) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let image = data.render(20, 20, 6.0).unwrap_or_default();
        assert_eq!(image.get_pixel(10, 10).0[3], 255);
        assert_eq!(image.get_pixel(0, 0).0[3], 0);
        let unknown = r#"{"width": 10, "height": 10, "strokes": [], "colour": "red"}"#;
        assert!(serde_json::from_str::<PenData>(unknown).is_err());
    }
}
