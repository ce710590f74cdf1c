//! 照片是否名副其实: the structure of the images the app produces, checked before the server
//! issues a receipt (the receipt is what makes a phone mark a photo 已上传).
//!
//! Only two kinds are accepted, the two the app makes:
//! - **JPEG**, every photo (canvas re-encoding, JPEG 0.8): SOI `FF D8`, then marker segments,
//!   walked by their lengths, to a frame header SOFn with sane dimensions, then at least one
//!   scan (SOS and its entropy-coded data), and the file ends with EOI `FF D9`.
//! - **PNG**, the handwritten signatures (`canvas.toBlob`): the 8-byte signature, IHDR as the
//!   first chunk with sane dimensions, every chunk's length and CRC consistent, image data,
//!   and the file ends with the IEND chunk.
//!
//! Anything else (WebP, GIF, a cut-off upload, garbage) is refused with a message that says
//! what to do. This is a structure check, not a decoder: it reads headers and lengths only, so
//! a 15 MB photo is checked in milliseconds.

use std::fmt;

/// Largest width or height accepted, in pixels. The app's photos are at most 1600 on the long
/// side; a frame header claiming more than this is damage, not a photo.
pub const MAX_DIMENSION: u32 = 20_000;

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The two image kinds the app produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
}

impl ImageKind {
    /// The media type: `image/jpeg` or `image/png`.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
        }
    }

    /// The kind a media type names (`Content-Type` essence, case-insensitive), if one of ours.
    pub fn from_mime(mime: &str) -> Option<ImageKind> {
        let essence = mime.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("image/jpeg") {
            Some(ImageKind::Jpeg)
        } else if essence.eq_ignore_ascii_case("image/png") {
            Some(ImageKind::Png)
        } else {
            None
        }
    }
}

impl fmt::Display for ImageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageKind::Jpeg => "JPEG",
            ImageKind::Png => "PNG",
        })
    }
}

/// What a well-formed image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

/// Why bytes are not a photo the app made. The text tells the user what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Neither JPEG nor PNG (WebP, GIF, text, …).
    #[error("只接受应用拍摄的 JPEG 照片和 PNG 签名图片，这个文件不是这两种格式。请在应用中重新拍摄或重新选择照片后再同步。")]
    Unsupported,
    /// The bytes stop before the image does: an upload or a save cut off midway.
    #[error("照片文件不完整（可能上传时被截断），请保留本机照片，稍后重新同步；如反复出现，请重新拍摄。")]
    Truncated,
    /// The structure is wrong: a bad marker or chunk, no frame header, data after the end.
    #[error("照片文件已损坏（{0}），服务器无法保存。请保留本机照片，稍后重新同步；如反复出现，请重新拍摄。")]
    Damaged(&'static str),
    /// A width or height of 0 or above [`MAX_DIMENSION`].
    #[error("照片尺寸异常（宽 {width}、高 {height} 像素，应在 1–20000 之间），文件可能已损坏，请重新拍摄。")]
    BadDimensions { width: u32, height: u32 },
}

impl ImageError {
    /// Not one of the accepted kinds at all (as opposed to a damaged JPEG or PNG).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, ImageError::Unsupported)
    }
}

/// Checks that `bytes` are a complete, well-formed JPEG or PNG and says which, with its size.
pub fn check_image(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    if bytes.is_empty() {
        Err(ImageError::Truncated)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        check_jpeg(bytes)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        check_png(bytes)
    } else {
        Err(ImageError::Unsupported)
    }
}

fn dimensions(kind: ImageKind, width: u32, height: u32) -> Result<ImageInfo, ImageError> {
    if (1..=MAX_DIMENSION).contains(&width) && (1..=MAX_DIMENSION).contains(&height) {
        Ok(ImageInfo {
            kind,
            width,
            height,
        })
    } else {
        Err(ImageError::BadDimensions { width, height })
    }
}

fn be16(b: &[u8], at: usize) -> usize {
    usize::from(b[at]) << 8 | usize::from(b[at + 1])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF)
}

fn check_jpeg(b: &[u8]) -> Result<ImageInfo, ImageError> {
    let mut frame: Option<ImageInfo> = None;
    let mut scanned = false;
    let mut pos = 2; // after SOI
    loop {
        // A marker: 0xFF (any number of fill bytes 0xFF), then its code.
        if pos >= b.len() {
            return Err(ImageError::Truncated);
        }
        if b[pos] != 0xFF {
            return Err(ImageError::Damaged("标记段结构错误"));
        }
        while pos < b.len() && b[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = b.get(pos) else {
            return Err(ImageError::Truncated);
        };
        pos += 1;
        match marker {
            0xD9 => {
                return match frame {
                    _ if pos != b.len() => Err(ImageError::Damaged("结束标记之后还有多余数据")),
                    Some(info) if scanned => Ok(info),
                    _ => Err(ImageError::Damaged("没有图像数据")),
                };
            }
            // Standalone markers without a length: TEM, RST0–7.
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 => return Err(ImageError::Damaged("标记段结构错误")),
            _ => {}
        }
        if pos + 2 > b.len() {
            return Err(ImageError::Truncated);
        }
        let len = be16(b, pos);
        if len < 2 {
            return Err(ImageError::Damaged("标记段长度错误"));
        }
        let end = pos + len;
        if end > b.len() {
            return Err(ImageError::Truncated);
        }
        if is_sof(marker) {
            // P (precision), Y (lines), X (samples per line), Nf, …
            if len < 8 || frame.is_some() {
                return Err(ImageError::Damaged("图像帧头错误"));
            }
            let height = be16(b, pos + 3) as u32;
            let width = be16(b, pos + 5) as u32;
            frame = Some(dimensions(ImageKind::Jpeg, width, height)?);
        }
        pos = end;
        if marker == 0xDA {
            if frame.is_none() {
                return Err(ImageError::Damaged("图像数据在帧头之前"));
            }
            pos = skip_entropy_coded_data(b, pos)?;
            scanned = true;
        }
    }
}

/// From the start of a scan's entropy-coded data to the marker that ends it. Inside the data a
/// 0xFF is followed by 0x00 (a stuffed byte) or a restart marker RST0–7.
fn skip_entropy_coded_data(b: &[u8], mut pos: usize) -> Result<usize, ImageError> {
    loop {
        let Some(off) = b[pos..].iter().position(|&x| x == 0xFF) else {
            return Err(ImageError::Truncated);
        };
        pos += off;
        match b.get(pos + 1) {
            None => return Err(ImageError::Truncated),
            Some(0x00 | 0xD0..=0xD7) => pos += 2,
            // Fill bytes before a marker: the marker loop skips them.
            Some(_) => return Ok(pos),
        }
    }
}

fn check_png(b: &[u8]) -> Result<ImageInfo, ImageError> {
    let mut pos = PNG_SIGNATURE.len();
    let mut header: Option<ImageInfo> = None;
    let mut has_data = false;
    loop {
        if pos + 8 > b.len() {
            return Err(ImageError::Truncated);
        }
        let len = be32(b, pos);
        let kind = &b[pos + 4..pos + 8];
        if len > i32::MAX as u32 || !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(ImageError::Damaged("数据块结构错误"));
        }
        let data_end = pos + 8 + len as usize;
        if data_end + 4 > b.len() {
            return Err(ImageError::Truncated);
        }
        if crc32(&b[pos + 4..data_end]) != be32(b, data_end) {
            return Err(ImageError::Damaged("数据块校验值不符"));
        }
        let data = &b[pos + 8..data_end];
        match (kind, header) {
            (b"IHDR", None) if len == 13 => {
                header = Some(dimensions(ImageKind::Png, be32(data, 0), be32(data, 4))?);
            }
            (_, None) | (b"IHDR", Some(_)) => {
                return Err(ImageError::Damaged("文件头数据块错误"));
            }
            (b"IDAT", Some(_)) => has_data = true,
            (b"IEND", Some(info)) => {
                return if data_end + 4 != b.len() {
                    Err(ImageError::Damaged("结束数据块之后还有多余数据"))
                } else if !has_data || len != 0 {
                    Err(ImageError::Damaged("没有图像数据"))
                } else {
                    Ok(info)
                };
            }
            _ => {}
        }
        pos = data_end + 4;
    }
}

/// CRC-32 (ISO 3309, the one PNG chunks carry) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    !bytes.iter().fold(!0u32, |c, &x| {
        TABLE[((c ^ u32::from(x)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal baseline JPEG: SOI, APP0, SOF0 (width × height, one component), SOS and a
    /// few bytes of entropy-coded data with a stuffed 0xFF and a restart marker, EOI.
    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend_from_slice(b"\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        b.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[4..]);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    /// A 1×1 (or width × height header) grey PNG as canvas.toBlob makes them, in essence.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut b = PNG_SIGNATURE.to_vec();
        b.extend(chunk(b"IHDR", &ihdr));
        b.extend(chunk(
            b"IDAT",
            &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
        ));
        b.extend(chunk(b"IEND", &[]));
        b
    }

    #[test]
    fn crc32_is_the_png_one() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn a_well_formed_jpeg_and_png_pass_with_their_size() {
        let info = check_image(&jpeg(1600, 1200)).unwrap();
        assert_eq!(
            (info.kind, info.width, info.height),
            (ImageKind::Jpeg, 1600, 1200)
        );
        assert_eq!(info.kind.mime(), "image/jpeg");
        let info = check_image(&png(1, 1)).unwrap();
        assert_eq!((info.kind, info.width, info.height), (ImageKind::Png, 1, 1));
        assert_eq!(info.kind.mime(), "image/png");
    }

    #[test]
    fn fill_bytes_comments_and_several_scans_are_fine() {
        let mut b = jpeg(8, 8);
        // A COM segment holding FF D9 (skipped by its length) and fill bytes before SOF0.
        let sof = b.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        b.splice(
            sof..sof,
            [0xFF, 0xFE, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00, 0xFF, 0xFF],
        );
        // A second scan (progressive JPEGs have several).
        let eoi = b.len() - 2;
        b.splice(
            eoi..eoi,
            [
                0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x7F,
            ],
        );
        assert_eq!(check_image(&b).unwrap().width, 8);
    }

    #[test]
    fn a_jpeg_cut_anywhere_is_truncated() {
        let full = jpeg(640, 480);
        // Inside APP0, inside SOF0's header, right after SOS, inside the scan data, before EOI,
        // half of EOI.
        for cut in [
            2,
            3,
            10,
            25,
            30,
            40,
            45,
            full.len() - 4,
            full.len() - 2,
            full.len() - 1,
        ] {
            assert_eq!(
                check_image(&full[..cut]),
                Err(ImageError::Truncated),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_jpeg_with_a_wrong_end_or_a_broken_segment_is_damaged() {
        let mut wrong_end = jpeg(640, 480);
        let n = wrong_end.len();
        wrong_end[n - 1] = 0xD8; // FF D8 where FF D9 belongs
        assert!(matches!(
            check_image(&wrong_end),
            Err(ImageError::Damaged(_))
        ));
        let mut trailing = jpeg(640, 480);
        trailing.extend_from_slice(b"junk");
        assert!(matches!(
            check_image(&trailing),
            Err(ImageError::Damaged(_))
        ));
        // Not a marker where a segment should start.
        let mut broken = jpeg(640, 480);
        broken[2] = 0x00;
        assert!(matches!(check_image(&broken), Err(ImageError::Damaged(_))));
        // A segment length below 2.
        let mut short = jpeg(640, 480);
        short[5] = 0x01;
        assert!(matches!(check_image(&short), Err(ImageError::Damaged(_))));
        // No frame header at all: SOI, SOS, EOI.
        let bare = [
            0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x11, 0xFF,
            0xD9,
        ];
        assert!(matches!(check_image(&bare), Err(ImageError::Damaged(_))));
        // A frame header but no scan.
        let no_scan: Vec<u8> = {
            let b = jpeg(640, 480);
            let sos = b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
            [&b[..sos], &[0xFF, 0xD9][..]].concat()
        };
        assert!(matches!(check_image(&no_scan), Err(ImageError::Damaged(_))));
    }

    #[test]
    fn zero_or_huge_dimensions_are_refused() {
        for (w, h) in [(0, 480), (640, 0), (0, 0), (20_001, 10), (10, 65_535)] {
            assert_eq!(
                check_image(&jpeg(w, h)),
                Err(ImageError::BadDimensions {
                    width: u32::from(w),
                    height: u32::from(h)
                })
            );
        }
        assert!(check_image(&jpeg(20_000, 20_000)).is_ok());
        assert_eq!(
            check_image(&png(0, 1)),
            Err(ImageError::BadDimensions {
                width: 0,
                height: 1
            })
        );
        assert_eq!(
            check_image(&png(1, 100_000)),
            Err(ImageError::BadDimensions {
                width: 1,
                height: 100_000
            })
        );
    }

    #[test]
    fn a_png_cut_anywhere_is_truncated() {
        let full = png(1, 1);
        for cut in [8, 12, 20, 33, 40, full.len() - 12, full.len() - 1] {
            assert_eq!(
                check_image(&full[..cut]),
                Err(ImageError::Truncated),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_png_with_bad_chunks_is_damaged() {
        // A flipped bit in the pixel data: the CRC disagrees.
        let mut flipped = png(1, 1);
        flipped[45] ^= 0x01;
        assert!(matches!(check_image(&flipped), Err(ImageError::Damaged(_))));
        // A chunk length that points past the data it has (but the file is long enough).
        let mut long = png(1, 1);
        long[33 + 3] = 0x0B;
        assert!(check_image(&long).is_err());
        // IDAT first, no IHDR.
        let b = png(1, 1);
        let no_header = [&b[..8], &b[33..]].concat();
        assert!(matches!(
            check_image(&no_header),
            Err(ImageError::Damaged(_))
        ));
        // Data after IEND.
        let mut trailing = png(1, 1);
        trailing.extend(chunk(b"tEXt", b"x"));
        assert!(matches!(
            check_image(&trailing),
            Err(ImageError::Damaged(_))
        ));
        // No image data.
        let no_data = [&b[..33], &chunk(b"IEND", &[])[..]].concat();
        assert!(matches!(check_image(&no_data), Err(ImageError::Damaged(_))));
    }

    #[test]
    fn other_formats_are_unsupported() {
        let webp = b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0\x30\x01\0\x9d\x01\x2a\x01\0\x01\0";
        assert_eq!(check_image(webp), Err(ImageError::Unsupported));
        assert!(check_image(webp).unwrap_err().is_unsupported());
        assert_eq!(
            check_image(b"GIF89a\x01\0\x01\0"),
            Err(ImageError::Unsupported)
        );
        assert_eq!(
            check_image("这不是照片".as_bytes()),
            Err(ImageError::Unsupported)
        );
        assert_eq!(check_image(b"\x89PNG"), Err(ImageError::Unsupported));
        assert_eq!(check_image(b""), Err(ImageError::Truncated));
    }

    #[test]
    fn media_types_name_a_kind() {
        assert_eq!(ImageKind::from_mime("image/jpeg"), Some(ImageKind::Jpeg));
        assert_eq!(ImageKind::from_mime("Image/PNG; q=1"), Some(ImageKind::Png));
        assert_eq!(ImageKind::from_mime("image/webp"), None);
        assert_eq!(ImageKind::from_mime(""), None);
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(ImageError::Truncated.to_string().contains("请保留本机照片"));
        assert!(ImageError::Unsupported.to_string().contains("JPEG"));
        assert!(ImageError::Damaged("x").to_string().contains("重新拍摄"));
    }
}
