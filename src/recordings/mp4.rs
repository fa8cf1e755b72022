//! Reads just enough of an MP4 (ISO BMFF) file: each track's handler and
//! sample entry, and its length — from the movie header, or, in the
//! fragmented files MediaRecorder writes, from the fragments' samples.

use super::{Found, RecordingError};

/// Boxes whose content is more boxes.
const CONTAINERS: [&[u8; 4]; 8] = [
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mvex",
];

#[derive(Default)]
struct Walk {
    found: Found,
    /// The current track's handler ("soun", "vide") and sample entry.
    handler: Vec<u8>,
    entry: Vec<u8>,
    timescale: u64,
    default_duration: u64,
    fragment_start: u64,
    end_ticks: u64,
    movie_ms: u64,
}

fn be(data: &[u8], at: usize, width: usize) -> Result<u64, RecordingError> {
    let bytes = data.get(at..at + width).ok_or(RecordingError::Unreadable)?;
    Ok(bytes.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b)))
}

/// A box's type and content.
type Mp4Box<'a> = ([u8; 4], &'a [u8]);

/// The boxes in `data`.
fn boxes(data: &[u8]) -> Result<Vec<Mp4Box<'_>>, RecordingError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let size = be(data, at, 4)?;
        let kind: [u8; 4] = data
            .get(at + 4..at + 8)
            .and_then(|k| k.try_into().ok())
            .ok_or(RecordingError::Unreadable)?;
        let (header, size) = match size {
            0 => (8, (data.len() - at) as u64),
            1 => (16, be(data, at + 8, 8)?),
            n => (8, n),
        };
        let size = usize::try_from(size).map_err(|_| RecordingError::Unreadable)?;
        let end = at.checked_add(size).ok_or(RecordingError::Unreadable)?;
        if size < header || end > data.len() {
            return Err(RecordingError::Unreadable);
        }
        out.push((kind, &data[at + header..end]));
        at = end;
    }
    Ok(out)
}

impl Walk {
    fn visit(&mut self, data: &[u8], depth: usize) -> Result<(), RecordingError> {
        if depth > 8 {
            return Err(RecordingError::Unreadable);
        }
        for (kind, content) in boxes(data)? {
            if CONTAINERS.contains(&&kind) {
                if &kind == b"trak" {
                    self.handler.clear();
                    self.entry.clear();
                }
                self.visit(content, depth + 1)?;
                if &kind == b"trak" {
                    self.end_track();
                }
                continue;
            }
            match &kind {
                b"mvhd" => {
                    let (scale, duration) = times(content)?;
                    if let Some(ms) = duration.saturating_mul(1000).checked_div(scale) {
                        self.movie_ms = ms;
                    }
                }
                b"mdhd" => self.timescale = times(content)?.0,
                b"hdlr" => self.handler = content.get(8..12).unwrap_or_default().to_vec(),
                b"stsd" => {
                    // Version and flags, the entry count, then the first entry.
                    self.entry = content.get(12..16).unwrap_or_default().to_vec();
                }
                b"stsz" => self.found.frames += be(content, 8, 4)?,
                b"trex" => self.default_duration = be(content, 12, 4)?,
                b"tfdt" => {
                    let wide = content.first() == Some(&1);
                    self.fragment_start = be(content, 4, if wide { 8 } else { 4 })?;
                }
                b"tfhd" => {
                    let flags = be(content, 0, 4)? & 0xFF_FFFF;
                    // Track id, then the optional fields in the order of their flags.
                    let mut at = 8;
                    at += if flags & 0x01 != 0 { 8 } else { 0 };
                    at += if flags & 0x02 != 0 { 4 } else { 0 };
                    if flags & 0x08 != 0 {
                        self.default_duration = be(content, at, 4)?;
                    }
                }
                b"trun" => self.run(content)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn end_track(&mut self) {
        match self.handler.as_slice() {
            b"soun" => self.found.audio_codecs.push(self.entry.clone()),
            b"vide" => self.found.video_tracks += 1,
            _ => {}
        }
    }

    /// A run of samples in a fragment: counted, and their durations added.
    fn run(&mut self, content: &[u8]) -> Result<(), RecordingError> {
        let flags = be(content, 0, 4)? & 0xFF_FFFF;
        let count = be(content, 4, 4)?;
        let mut at = 8;
        at += if flags & 0x001 != 0 { 4 } else { 0 };
        at += if flags & 0x004 != 0 { 4 } else { 0 };
        let per_sample = [0x100, 0x200, 0x400, 0x800]
            .iter()
            .filter(|f| flags & **f != 0)
            .count()
            * 4;
        if count > content.len() as u64 {
            return Err(RecordingError::Unreadable);
        }
        let mut ticks = 0u64;
        for i in 0..count as usize {
            ticks += if flags & 0x100 != 0 {
                be(content, at + i * per_sample, 4)?
            } else {
                self.default_duration
            };
        }
        self.found.frames += count;
        self.end_ticks = self
            .end_ticks
            .max(self.fragment_start.saturating_add(ticks));
        Ok(())
    }
}

/// A movie or media header's timescale and duration.
fn times(content: &[u8]) -> Result<(u64, u64), RecordingError> {
    if content.first() == Some(&1) {
        Ok((be(content, 20, 4)?, be(content, 24, 8)?))
    } else {
        Ok((be(content, 12, 4)?, be(content, 16, 4)?))
    }
}

pub(super) fn read(bytes: &[u8]) -> Result<Found, RecordingError> {
    let mut walk = Walk::default();
    walk.visit(bytes, 0)?;
    let fragments_ms = match walk.timescale {
        0 => 0,
        scale => walk.end_ticks.saturating_mul(1000) / scale,
    };
    walk.found.duration_ms = walk.movie_ms.max(fragments_ms);
    Ok(walk.found)
}
