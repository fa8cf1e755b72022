//! Photo uploads: validate untrusted bytes, strip all metadata by re-encoding
//! from pixels, and produce a bounded JPEG plus a thumbnail.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, Rgb, RgbImage,
};

pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
pub const MAX_PHOTO_PIXELS: u64 = 40_000_000;
pub const MAX_PHOTO_SIDE: u32 = 12_000;
pub const STORED_MAX_SIDE: u32 = 1600;
pub const THUMB_MAX_SIDE: u32 = 320;

const JPEG_QUALITY: u8 = 82;
/// Enough for the largest allowed image at 16-bit RGBA, the widest format decoded here.
const MAX_DECODE_ALLOC: u64 = MAX_PHOTO_PIXELS * 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("empty")]
    Empty,
    #[error("too large")]
    TooLarge,
    #[error("unsupported type")]
    Unsupported,
    #[error("too many pixels")]
    TooManyPixels,
    #[error("unreadable")]
    Unreadable,
}

impl PhotoError {
    /// The i18n message key for this error.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Empty => "photo-error-empty",
            Self::TooLarge => "photo-error-too-large",
            Self::Unsupported => "photo-error-unsupported",
            Self::TooManyPixels => "photo-error-too-many-pixels",
            Self::Unreadable => "photo-error-unreadable",
        }
    }
}

#[derive(Debug)]
pub struct ProcessedPhoto {
    /// Re-encoded JPEG, orientation applied, no metadata.
    pub jpeg: Vec<u8>,
    pub thumb_jpeg: Vec<u8>,
    /// Dimensions of `jpeg`.
    pub width: u32,
    pub height: u32,
}

/// Validates an uploaded photo and re-encodes it. The format is decided by
/// magic bytes only; dimensions are checked from the headers before any
/// pixel buffer is allocated.
pub fn process_photo(bytes: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => format,
        _ => return Err(PhotoError::Unsupported),
    };

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PHOTO_SIDE);
    limits.max_image_height = Some(MAX_PHOTO_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // The PNG decoder only honours limits given before it is built, so they
    // go on the reader rather than on the decoder afterwards.
    reader.limits(limits.clone());
    // Parses headers only; no pixels are decoded yet.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_PHOTO_SIDE
        || height > MAX_PHOTO_SIDE
        || u64::from(width) * u64::from(height) > MAX_PHOTO_PIXELS
    {
        return Err(PhotoError::TooManyPixels);
    }
    // `DynamicImage::from_decoder` does not check max_alloc against the output
    // buffer (only `ImageReader::decode` does), so reserve it here.
    limits
        .reserve(decoder.total_bytes())
        .map_err(decode_error)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Unreadable);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);

    let stored = fit(&flatten_on_white(image), STORED_MAX_SIDE);
    let thumb = fit(&stored, THUMB_MAX_SIDE);
    Ok(ProcessedPhoto {
        jpeg: encode_jpeg(&stored)?,
        thumb_jpeg: encode_jpeg(&thumb)?,
        width: stored.width(),
        height: stored.height(),
    })
}

fn decode_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::Unreadable,
    }
}

/// image's JPEG decoder (zune-jpeg in non-strict mode) fills a truncated scan
/// with grey instead of failing, so require an end marker after the first scan.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut rest = bytes.get(2..).unwrap_or_default();
    // Walk the header segments by their lengths: an APP1 Exif thumbnail has
    // its own scan and end marker, which must not be mistaken for ours.
    loop {
        match rest {
            [0xFF, 0xDA, ..] => break,
            [0xFF, tail @ ..] if tail.first() == Some(&0xFF) => rest = tail,
            [0xFF, _, hi, lo, ..] => {
                let length = usize::from(u16::from_be_bytes([*hi, *lo]));
                match rest.get(2 + length..) {
                    Some(next) => rest = next,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
    // Scan data escapes 0xFF as FF 00, so any FF D9 from here on is a real end
    // marker; data appended after it (motion photos, MPF) is ignored.
    rest.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Drops alpha by compositing on white; transparent pixels would otherwise
/// turn black (or whatever colour they happen to carry) in the JPEG.
fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = px.0.map(u32::from);
        let blend = |c: u32| ((c * a + 255 * (255 - a) + 127) / 255) as u8;
        *out = Rgb([blend(r), blend(g), blend(b)]);
    }
    rgb
}

/// Scales down (never up) so the longest side is at most `max_side`.
fn fit(image: &RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = image.dimensions();
    let longest = u64::from(width.max(height));
    if longest <= u64::from(max_side) {
        return image.clone();
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max_side) + longest / 2) / longest;
        u32::try_from(scaled.max(1)).unwrap_or(max_side)
    };
    imageops::resize(image, scale(width), scale(height), FilterType::Triangle)
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|_| PhotoError::Unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GenericImageView, RgbaImage};

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        })
    }

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        encode_jpeg(&gradient(width, height)).unwrap()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn crc32(data: &[u8]) -> u32 {
        let step = |crc: u32, _| (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        !data
            .iter()
            .fold(!0, |crc, &b| (0..8).fold(crc ^ u32::from(b), step))
    }

    /// A PNG with a valid IHDR claiming the given size and no pixel data.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = [width.to_be_bytes(), height.to_be_bytes()].concat();
        ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
        for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &[]), (b"IEND", &[])] {
            png.extend((data.len() as u32).to_be_bytes());
            png.extend(kind);
            png.extend(data);
            png.extend(crc32(&[&kind[..], data].concat()).to_be_bytes());
        }
        png
    }

    /// Inserts an APP1 Exif segment (Orientation plus a GPS IFD) after SOI.
    fn with_exif(jpeg: &[u8], orientation: u8) -> Vec<u8> {
        #[rustfmt::skip]
        let tiff = [
            b'I', b'I', 42, 0, 8, 0, 0, 0, // little-endian, IFD0 at offset 8
            2, 0, // IFD0 entries: tag, type, count, value
            0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, // Orientation (SHORT)
            0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0, // GPS IFD at offset 38 (LONG)
            0, 0, 0, 0, // no next IFD
            1, 0, // GPS IFD entries
            1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0, // GPSLatitudeRef "N" (ASCII)
            0, 0, 0, 0,
        ];
        let payload = [&b"Exif\0\0"[..], &tiff].concat();
        let length = (payload.len() as u16 + 2).to_be_bytes();
        [&jpeg[..2], &[0xFF, 0xE1], &length, &payload, &jpeg[2..]].concat()
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(process_photo(&[]).unwrap_err(), PhotoError::Empty);
    }

    #[test]
    fn rejects_over_size_limit() {
        let mut bytes = jpeg(8, 8);
        bytes.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(process_photo(&bytes).unwrap_err(), PhotoError::TooLarge);
    }

    #[test]
    fn rejects_text_and_gif_as_unsupported() {
        for bytes in [
            &b"hello, this is not a photo"[..],
            b"GIF89a\x01\0\x01\0\0\0\0;",
        ] {
            assert_eq!(process_photo(bytes).unwrap_err(), PhotoError::Unsupported);
        }
    }

    #[test]
    fn rejects_huge_png_dimensions_from_header() {
        let err = process_photo(&png_header(20_000, 20_000)).unwrap_err();
        assert_eq!(err, PhotoError::TooManyPixels);
        // Each side within limits, but the product is over MAX_PHOTO_PIXELS.
        let err = process_photo(&png_header(10_000, 5_000)).unwrap_err();
        assert_eq!(err, PhotoError::TooManyPixels);
    }

    #[test]
    fn rejects_huge_jpeg_dimensions_from_header() {
        let mut bytes = jpeg(16, 16);
        let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        bytes[sof + 5..sof + 9].copy_from_slice(&[0x27, 0x10, 0x27, 0x10]); // 10000 x 10000
        assert_eq!(
            process_photo(&bytes).unwrap_err(),
            PhotoError::TooManyPixels
        );
    }

    #[test]
    fn rejects_truncated_files() {
        let noise = RgbImage::from_fn(128, 128, |x, y| Rgb([((x * 7) ^ (y * 13)) as u8, 0, 5]));
        let jpeg = encode_jpeg(&noise).unwrap();
        // Cut inside the headers, then inside the scan data (which the decoder would accept).
        for cut in [jpeg.len() / 100, jpeg.len() * 9 / 10] {
            assert_eq!(
                process_photo(&jpeg[..cut]).unwrap_err(),
                PhotoError::Unreadable
            );
        }
        let with_trailer = [&jpeg[..], b"ftyp... appended motion-photo video"].concat();
        assert!(process_photo(&with_trailer).is_ok());
        for format in [ImageFormat::Png, ImageFormat::WebP] {
            let bytes = encode(noise.clone().into(), format);
            let err = process_photo(&bytes[..bytes.len() / 2]).unwrap_err();
            assert_eq!(err, PhotoError::Unreadable, "{format:?}");
        }
    }

    #[test]
    fn png_with_alpha_is_flattened_on_white() {
        let image = RgbaImage::from_fn(40, 30, |x, _| image::Rgba([0, 0, 0, (x * 6) as u8]));
        let photo = process_photo(&encode(image.into(), ImageFormat::Png)).unwrap();
        assert_eq!(&photo.jpeg[..2], &[0xFF, 0xD8]);
        assert!(!contains(&photo.jpeg, b"Exif"));
        assert_eq!((photo.width, photo.height), (40, 30));
        let decoded = image::load_from_memory(&photo.jpeg).unwrap().to_rgb8();
        assert!(decoded.get_pixel(0, 15)[0] > 240, "transparent -> white");
        assert!(decoded.get_pixel(39, 15)[0] < 60, "opaque black stays");
    }

    #[test]
    fn strips_exif_with_gps() {
        let input = with_exif(&jpeg(32, 32), 1);
        assert!(contains(&input, b"Exif"));
        let photo = process_photo(&input).unwrap();
        assert!(!contains(&photo.jpeg, b"Exif"));
        assert!(!contains(&photo.thumb_jpeg, b"Exif"));
    }

    #[test]
    fn downscales_large_image_and_thumbnail() {
        let bytes = encode(gradient(3000, 1000).into(), ImageFormat::Png);
        let photo = process_photo(&bytes).unwrap();
        assert_eq!(photo.width, 1600);
        assert!((533..=534).contains(&photo.height));
        let stored = image::load_from_memory(&photo.jpeg).unwrap();
        assert_eq!(stored.dimensions(), (photo.width, photo.height));
        let thumb = image::load_from_memory(&photo.thumb_jpeg).unwrap();
        assert_eq!(thumb.width().max(thumb.height()), THUMB_MAX_SIDE);
    }

    #[test]
    fn small_image_is_not_upscaled() {
        let photo = process_photo(&jpeg(100, 50)).unwrap();
        assert_eq!((photo.width, photo.height), (100, 50));
        let thumb = image::load_from_memory(&photo.thumb_jpeg).unwrap();
        assert_eq!(thumb.dimensions(), (100, 50));
    }

    #[test]
    fn applies_exif_orientation() {
        let photo = process_photo(&with_exif(&jpeg(40, 20), 6)).unwrap();
        assert_eq!((photo.width, photo.height), (20, 40));
    }

    #[test]
    fn accepts_lossless_webp() {
        let image = RgbaImage::from_fn(24, 12, |x, y| image::Rgba([x as u8, y as u8, 9, 200]));
        let photo = process_photo(&encode(image.into(), ImageFormat::WebP)).unwrap();
        assert_eq!((photo.width, photo.height), (24, 12));
        assert_eq!(&photo.thumb_jpeg[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn error_keys() {
        assert_eq!(PhotoError::Empty.key(), "photo-error-empty");
        assert_eq!(PhotoError::Unreadable.key(), "photo-error-unreadable");
    }
}
