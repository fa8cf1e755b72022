//! Voice recordings: untrusted bytes from a browser's MediaRecorder, checked
//! before they are kept. Only the containers browsers make (WebM with Opus;
//! MP4 with AAC or Opus) and only sound: a camera's recording is refused, so
//! nobody's face is kept by a door that asked for their voice.
//!
//! MediaRecorder's WebM usually says nothing of its duration, so the length
//! is read from the timestamps of the blocks themselves.

mod mp4;
mod webm;

pub const MAX_RECORDING_BYTES: usize = 2 * 1024 * 1024;
/// The page stops recording at a minute; a little more is allowed for the
/// time between the button and the recorder.
pub const MAX_RECORDING_MS: u64 = 62_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordingError {
    #[error("empty")]
    Empty,
    #[error("too large")]
    TooLarge,
    #[error("too long")]
    TooLong,
    #[error("not a sound recording")]
    NotAudio,
    #[error("has pictures")]
    HasVideo,
    #[error("unsupported codec")]
    Codec,
    #[error("unreadable")]
    Unreadable,
}

impl RecordingError {
    /// The i18n message key for this error.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Empty => "recording-error-empty",
            Self::TooLarge => "recording-error-too-large",
            Self::TooLong => "recording-error-too-long",
            Self::NotAudio => "recording-error-not-audio",
            Self::HasVideo => "recording-error-video",
            Self::Codec => "recording-error-codec",
            Self::Unreadable => "recording-error-unreadable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    WebM,
    Mp4,
}

impl Container {
    pub fn as_str(self) -> &'static str {
        match self {
            Container::WebM => "webm",
            Container::Mp4 => "mp4",
        }
    }

    pub fn parse(text: &str) -> Option<Container> {
        match text {
            "webm" => Some(Container::WebM),
            "mp4" => Some(Container::Mp4),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Container::WebM => "audio/webm",
            Container::Mp4 => "audio/mp4",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Opus,
    Aac,
}

/// A recording that passed: what it is and how long it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub container: Container,
    pub codec: Codec,
    pub duration_ms: u64,
}

/// What the parsers found, before the rules are applied.
#[derive(Debug, Default)]
struct Found {
    audio_codecs: Vec<Vec<u8>>,
    video_tracks: usize,
    frames: u64,
    duration_ms: u64,
}

/// Checks a recording: its size, container, tracks, codec and length.
pub fn check_recording(bytes: &[u8]) -> Result<Checked, RecordingError> {
    if bytes.is_empty() {
        return Err(RecordingError::Empty);
    }
    if bytes.len() > MAX_RECORDING_BYTES {
        return Err(RecordingError::TooLarge);
    }
    let (container, found) = if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        (Container::WebM, webm::read(bytes)?)
    } else if bytes.get(4..8) == Some(&b"ftyp"[..]) {
        (Container::Mp4, mp4::read(bytes)?)
    } else if is_other_sound(bytes) {
        return Err(RecordingError::Codec);
    } else {
        return Err(RecordingError::NotAudio);
    };
    if found.video_tracks > 0 {
        return Err(RecordingError::HasVideo);
    }
    let codec = match found.audio_codecs.as_slice() {
        [] => return Err(RecordingError::NotAudio),
        [one] => match (container, one.as_slice()) {
            (Container::WebM, b"A_OPUS") | (Container::Mp4, b"Opus") => Codec::Opus,
            (Container::Mp4, b"mp4a") => Codec::Aac,
            _ => return Err(RecordingError::Codec),
        },
        _ => return Err(RecordingError::Codec),
    };
    if found.frames == 0 {
        return Err(RecordingError::Empty);
    }
    if found.duration_ms > MAX_RECORDING_MS {
        return Err(RecordingError::TooLong);
    }
    Ok(Checked {
        container,
        codec,
        duration_ms: found.duration_ms,
    })
}

/// Sound files of kinds browsers do not record (MP3, WAV, Ogg, FLAC, AMR):
/// worth a message that names the kind, not "this is not sound".
fn is_other_sound(bytes: &[u8]) -> bool {
    bytes.starts_with(b"ID3")
        || bytes.starts_with(&[0xFF, 0xFB])
        || bytes.starts_with(b"OggS")
        || bytes.starts_with(b"fLaC")
        || bytes.starts_with(b"#!AMR")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(&b"WAVE"[..]))
}

/// "0:07", "1:00": how long a recording lasts, as players show it.
pub fn minutes_seconds(duration_ms: i64) -> String {
    let seconds = (duration_ms.max(0) + 500) / 1000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEBM: &[u8] = include_bytes!("../../tests/fixtures/voice/tone-3s.webm");
    const MP4: &[u8] = include_bytes!("../../tests/fixtures/voice/tone-3s.mp4");
    const CAMERA: &[u8] = include_bytes!("../../tests/fixtures/voice/camera.webm");

    #[test]
    fn chromium_webm_opus_passes_with_its_length() {
        let checked = check_recording(WEBM).unwrap();
        assert_eq!(checked.container, Container::WebM);
        assert_eq!(checked.codec, Codec::Opus);
        assert!(
            (2_500..=3_500).contains(&checked.duration_ms),
            "{}",
            checked.duration_ms
        );
    }

    #[test]
    fn chromium_fragmented_mp4_passes_with_its_length() {
        let checked = check_recording(MP4).unwrap();
        assert_eq!(checked.container, Container::Mp4);
        assert_eq!(checked.codec, Codec::Opus);
        assert!(
            (2_500..=3_500).contains(&checked.duration_ms),
            "{}",
            checked.duration_ms
        );
    }

    #[test]
    fn mp4_sample_entries_decide_the_codec() {
        // Safari records AAC ("mp4a"); the same file with that entry passes
        // as AAC, and with another (AC-3) is refused by its codec.
        let entry = MP4.windows(4).position(|w| w == b"Opus").unwrap();
        let mut aac = MP4.to_vec();
        aac[entry..entry + 4].copy_from_slice(b"mp4a");
        assert_eq!(check_recording(&aac).unwrap().codec, Codec::Aac);
        let mut ac3 = MP4.to_vec();
        ac3[entry..entry + 4].copy_from_slice(b"ac-3");
        assert_eq!(check_recording(&ac3), Err(RecordingError::Codec));
        // A picture track's handler ("vide") is refused.
        let handler = MP4.windows(4).position(|w| w == b"soun").unwrap();
        let mut video = MP4.to_vec();
        video[handler..handler + 4].copy_from_slice(b"vide");
        assert_eq!(check_recording(&video), Err(RecordingError::HasVideo));
    }

    #[test]
    fn empty_and_oversized_are_refused_first() {
        assert_eq!(check_recording(&[]), Err(RecordingError::Empty));
        let mut big = WEBM.to_vec();
        big.resize(MAX_RECORDING_BYTES + 1, 0);
        assert_eq!(check_recording(&big), Err(RecordingError::TooLarge));
    }

    #[test]
    fn a_camera_recording_is_refused() {
        assert_eq!(check_recording(CAMERA), Err(RecordingError::HasVideo));
    }

    #[test]
    fn text_and_pictures_are_not_sound() {
        for bytes in [
            &b"hello, I would like to report a leak"[..],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10][..],
            b"\x89PNG\r\n\x1a\n",
        ] {
            assert_eq!(check_recording(bytes), Err(RecordingError::NotAudio));
        }
    }

    #[test]
    fn other_sound_files_name_the_codec() {
        for bytes in [
            &b"ID3\x04\0\0\0\0\0\0"[..],
            b"OggS\0\x02",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"#!AMR\n",
        ] {
            assert_eq!(check_recording(bytes), Err(RecordingError::Codec));
        }
    }

    #[test]
    fn a_header_with_no_sound_is_empty() {
        // The EBML header, the segment and the tracks: everything before
        // the first cluster (its id, then a size of eight bytes; the seek
        // head names the same id before it).
        let cluster = WEBM
            .windows(5)
            .position(|w| w == [0x1F, 0x43, 0xB6, 0x75, 0x01])
            .unwrap();
        assert_eq!(
            check_recording(&WEBM[..cluster]),
            Err(RecordingError::Empty)
        );
        let moof = MP4.windows(4).position(|w| w == b"moof").unwrap() - 4;
        assert_eq!(check_recording(&MP4[..moof]), Err(RecordingError::Empty));
    }

    #[test]
    fn truncated_or_garbled_files_never_panic() {
        for data in [WEBM, MP4, CAMERA] {
            for cut in (0..data.len()).step_by(97) {
                let _ = check_recording(&data[..cut]);
            }
            let mut garbled = data.to_vec();
            for i in (0..garbled.len()).step_by(13) {
                garbled[i] = garbled[i].wrapping_mul(31).wrapping_add(7);
                let _ = check_recording(&garbled);
            }
        }
    }

    #[test]
    fn lengths_as_players_show_them() {
        assert_eq!(minutes_seconds(0), "0:00");
        assert_eq!(minutes_seconds(7_400), "0:07");
        assert_eq!(minutes_seconds(59_600), "1:00");
        assert_eq!(minutes_seconds(61_000), "1:01");
    }
}
