//! Reads just enough of a WebM (Matroska) file: its tracks and the
//! timestamps of its blocks.
//!
//! Masters that matter are entered rather than skipped, in one flat walk:
//! MediaRecorder writes the segment and each cluster with an "unknown"
//! size, so a cluster ends only where the next one begins.

use super::{Found, RecordingError};

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMECODE: u32 = 0xE7;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const SIMPLE_BLOCK: u32 = 0xA3;

const MAX_TRACKS: usize = 8;
const TRACK_VIDEO: u64 = 1;
const TRACK_AUDIO: u64 = 2;

/// A variable-length integer: its value (marker bit removed unless `keep`)
/// and length. An all-ones size is "unknown" and read as `None`.
fn vint(bytes: &[u8], keep_marker: bool) -> Result<(Option<u64>, usize), RecordingError> {
    let first = *bytes.first().ok_or(RecordingError::Unreadable)?;
    let length = first.leading_zeros() as usize + 1;
    if length > 8 || bytes.len() < length {
        return Err(RecordingError::Unreadable);
    }
    let mut value = u64::from(if keep_marker {
        first
    } else {
        first & 0xFFu8.checked_shr(length as u32).unwrap_or(0)
    });
    for b in &bytes[1..length] {
        value = (value << 8) | u64::from(*b);
    }
    let all_ones = (1u64 << (7 * length)) - 1;
    let unknown = !keep_marker && value == all_ones;
    Ok(((!unknown).then_some(value), length))
}

fn uint(data: &[u8]) -> u64 {
    data.iter()
        .take(8)
        .fold(0, |acc, b| (acc << 8) | u64::from(*b))
}

#[derive(Default)]
struct Track {
    kind: u64,
    codec: Vec<u8>,
}

pub(super) fn read(bytes: &[u8]) -> Result<Found, RecordingError> {
    let mut at = 0;
    let mut tracks: Vec<Track> = Vec::new();
    let mut doc_type_ok = false;
    let mut scale_ns: u64 = 1_000_000;
    let mut cluster_time: i64 = 0;
    let mut frames = 0u64;
    let mut last_ticks: i64 = 0;
    while at < bytes.len() {
        let (id, id_len) = vint(&bytes[at..], true)?;
        let id = u32::try_from(id.unwrap_or(0)).map_err(|_| RecordingError::Unreadable)?;
        let (size, size_len) = vint(&bytes[at + id_len..], false)?;
        let start = at + id_len + size_len;
        match id {
            EBML | SEGMENT | INFO | TRACKS | CLUSTER | BLOCK_GROUP => {
                if id == TRACKS {
                    tracks.clear();
                }
                at = start;
                continue;
            }
            TRACK_ENTRY => {
                // A voice message has one track; a file claiming many is
                // not one (and would cost memory for nothing).
                if tracks.len() >= MAX_TRACKS {
                    return Err(RecordingError::Unreadable);
                }
                tracks.push(Track::default());
                at = start;
                continue;
            }
            _ => {}
        }
        // Everything else is read whole or skipped, so its size must be known.
        let size = usize::try_from(size.ok_or(RecordingError::Unreadable)?)
            .map_err(|_| RecordingError::Unreadable)?;
        let end = start.checked_add(size).ok_or(RecordingError::Unreadable)?;
        let data = bytes.get(start..end).ok_or(RecordingError::Unreadable)?;
        match id {
            DOC_TYPE => doc_type_ok = data == b"webm",
            TIMECODE_SCALE => scale_ns = uint(data).clamp(1, 1_000_000_000),
            TRACK_TYPE => {
                if let Some(track) = tracks.last_mut() {
                    track.kind = uint(data);
                }
            }
            CODEC_ID => {
                if let Some(track) = tracks.last_mut() {
                    track.codec = data.iter().copied().take_while(|b| *b != 0).collect();
                }
            }
            CLUSTER_TIMECODE => {
                cluster_time = i64::try_from(uint(data)).map_err(|_| RecordingError::Unreadable)?
            }
            SIMPLE_BLOCK | BLOCK => {
                // Track number (a vint), then the time relative to the cluster.
                let (_, track_len) = vint(data, false)?;
                let relative = data
                    .get(track_len..track_len + 2)
                    .ok_or(RecordingError::Unreadable)?;
                let relative = i64::from(i16::from_be_bytes([relative[0], relative[1]]));
                last_ticks = last_ticks.max(cluster_time.saturating_add(relative));
                frames += 1;
            }
            _ => {}
        }
        at = end;
    }
    if !doc_type_ok {
        return Err(RecordingError::NotAudio);
    }
    let duration_ms = u64::try_from(last_ticks)
        .unwrap_or(0)
        .saturating_mul(scale_ns)
        / 1_000_000;
    Ok(Found {
        audio_codecs: tracks
            .iter()
            .filter(|t| t.kind == TRACK_AUDIO)
            .map(|t| t.codec.clone())
            .collect(),
        video_tracks: tracks.iter().filter(|t| t.kind == TRACK_VIDEO).count(),
        frames,
        duration_ms,
    })
}

#[cfg(test)]
pub(super) mod build {
    //! A minimal WebM as MediaRecorder writes it, for tests.

    fn element(id: &[u8], data: &[u8]) -> Vec<u8> {
        let size = (data.len() as u64) | (1 << 56);
        [id, &size.to_be_bytes(), data].concat()
    }

    fn open_ended(id: &[u8], data: &[u8]) -> Vec<u8> {
        [id, &[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], data].concat()
    }

    /// Tracks of (type, codec), then a cluster a second holding a block
    /// every 20 ms until `ms`.
    pub fn webm(tracks: &[(u8, &str)], ms: u32) -> Vec<u8> {
        let header = element(&[0x1A, 0x45, 0xDF, 0xA3], &element(&[0x42, 0x82], b"webm"));
        let entries: Vec<u8> = tracks
            .iter()
            .enumerate()
            .flat_map(|(i, (kind, codec))| {
                let fields = [
                    element(&[0xD7], &[i as u8 + 1]),
                    element(&[0x83], &[*kind]),
                    element(&[0x86], codec.as_bytes()),
                ]
                .concat();
                element(&[0xAE], &fields)
            })
            .collect();
        let mut segment = element(&[0x16, 0x54, 0xAE, 0x6B], &entries);
        for second in 0..=(ms / 1000) {
            let start = second * 1000;
            let mut cluster = element(&[0xE7], &start.to_be_bytes());
            for offset in (0..1000).step_by(20).filter(|o| start + o <= ms) {
                let block = [&[0x81][..], &(offset as i16).to_be_bytes(), &[0x80, 0xFC]].concat();
                cluster.extend(element(&[0xA3], &block));
            }
            segment.extend(open_ended(&[0x1F, 0x43, 0xB6, 0x75], &cluster));
        }
        [header, open_ended(&[0x18, 0x53, 0x80, 0x67], &segment)].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Codec, RecordingError, check_recording};
    use super::build::webm;

    #[test]
    fn unsized_segments_and_clusters_are_walked() {
        let checked = check_recording(&webm(&[(2, "A_OPUS")], 10_000)).unwrap();
        assert_eq!(checked.codec, Codec::Opus);
        assert_eq!(checked.duration_ms, 10_000);
    }

    #[test]
    fn a_minute_passes_and_a_minute_and_a_bit_more_does_not() {
        assert!(check_recording(&webm(&[(2, "A_OPUS")], 62_000)).is_ok());
        assert_eq!(
            check_recording(&webm(&[(2, "A_OPUS")], 62_020)),
            Err(RecordingError::TooLong)
        );
    }

    #[test]
    fn tracks_decide() {
        assert_eq!(
            check_recording(&webm(&[(2, "A_VORBIS")], 1_000)),
            Err(RecordingError::Codec)
        );
        assert_eq!(
            check_recording(&webm(&[(1, "V_VP8"), (2, "A_OPUS")], 1_000)),
            Err(RecordingError::HasVideo)
        );
        assert_eq!(
            check_recording(&webm(&[], 1_000)),
            Err(RecordingError::NotAudio)
        );
        assert_eq!(
            check_recording(&webm(&[(2, "A_OPUS"), (2, "A_OPUS")], 1_000)),
            Err(RecordingError::Codec)
        );
    }

    #[test]
    fn a_matroska_file_is_not_a_webm() {
        let mut file = webm(&[(2, "A_OPUS")], 1_000);
        let at = file.windows(4).position(|w| w == b"webm").unwrap();
        file[at..at + 4].copy_from_slice(b"mkv!");
        assert_eq!(check_recording(&file), Err(RecordingError::NotAudio));
    }
}
