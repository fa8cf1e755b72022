//! An uploaded photo, any bytes at all: `process_photo` decodes it (JPEG,
//! PNG or WebP by magic bytes), bounds its pixels and re-encodes it. What it
//! keeps must be a bounded JPEG and thumbnail with no metadata left.
#![no_main]

use grassroots::photos::{
    process_photo, PhotoError, MAX_PHOTO_BYTES, STORED_MAX_SIDE, THUMB_MAX_SIDE,
};
use libfuzzer_sys::fuzz_target;

/// The markers of a JPEG's header segments (up to its first scan) and the
/// width and height its frame header gives.
fn jpeg_header(jpeg: &[u8]) -> Option<(Vec<u8>, (u32, u32))> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    let mut markers = Vec::new();
    let mut size = None;
    loop {
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(at + 1)?;
        if marker == 0xDA {
            return Some((markers, size?));
        }
        let length = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
        if matches!(marker, 0xC0..=0xC3) {
            let height = u16::from_be_bytes([*jpeg.get(at + 5)?, *jpeg.get(at + 6)?]);
            let width = u16::from_be_bytes([*jpeg.get(at + 7)?, *jpeg.get(at + 8)?]);
            size = Some((u32::from(width), u32::from(height)));
        }
        markers.push(marker);
        at += 2 + length;
    }
}

/// No Exif, XMP, ICC or comment segment survives: only JFIF's APP0.
fn assert_no_metadata(markers: &[u8], which: &str) {
    for &marker in markers {
        assert!(
            !matches!(marker, 0xE1..=0xEF | 0xFE),
            "the {which} keeps a metadata segment FF{marker:02X}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    match process_photo(data) {
        Ok(photo) => {
            assert!(!data.is_empty() && data.len() <= MAX_PHOTO_BYTES);
            assert!(
                (1..=STORED_MAX_SIDE).contains(&photo.width)
                    && (1..=STORED_MAX_SIDE).contains(&photo.height),
                "stored as {}x{}",
                photo.width,
                photo.height
            );
            let (markers, size) = jpeg_header(&photo.jpeg).expect("the stored photo is a JPEG");
            assert_eq!(
                size,
                (photo.width, photo.height),
                "the stored size is not the JPEG's"
            );
            assert_no_metadata(&markers, "stored photo");
            let (markers, (width, height)) =
                jpeg_header(&photo.thumb_jpeg).expect("the thumbnail is a JPEG");
            assert!(
                (1..=THUMB_MAX_SIDE).contains(&width) && (1..=THUMB_MAX_SIDE).contains(&height),
                "thumbnail {width}x{height}"
            );
            assert!(
                width <= photo.width && height <= photo.height,
                "the thumbnail grew"
            );
            assert_no_metadata(&markers, "thumbnail");
        }
        Err(error) => {
            assert!(error.key().starts_with("photo-error-"));
            if data.is_empty() {
                assert_eq!(error, PhotoError::Empty);
            } else if data.len() > MAX_PHOTO_BYTES {
                assert_eq!(error, PhotoError::TooLarge);
            }
        }
    }
});
