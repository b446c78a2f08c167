//! Fuzz the byte form's readers: arbitrary payloads behind a valid header (magic, version, kind,
//! length, CRC-32 of the payload, so the fuzzer reaches the payload checks) read as every type,
//! and the raw input itself. Each read is Ok or Err, never a panic; what reads Ok writes back
//! to bytes that read Ok again and re-encode identically.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::calibrate::{Background, Calibrator};
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::{GammaFit, MixtureFit, Sketch, SuffStats};
use simstat::wire::{crc32, ByteForm, MAGIC, VERSION};

fn check<T: ByteForm>(bytes: &[u8]) {
    if let Ok(v) = T::read_from(bytes) {
        let mut a = vec![0u8; v.byte_len()];
        let n = v.write_to(&mut a).expect("sized by byte_len");
        assert_eq!(n, a.len());
        let w = T::read_from(&a).expect("a written encoding reads back");
        let mut b = vec![0u8; w.byte_len()];
        w.write_to(&mut b).expect("sized by byte_len");
        assert_eq!(a, b);
    }
}

fuzz_target!(|input: (u8, Vec<u8>)| {
    let (kind, payload) = input;
    let kind = u16::from(kind % 8);
    let mut bytes = Vec::with_capacity(16 + payload.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&kind.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    for b in [&bytes[..], &payload[..]] {
        check::<Sketch<64>>(b);
        check::<SuffStats>(b);
        check::<TruncatedShiftedGamma>(b);
        check::<GammaFit>(b);
        check::<MixtureFit>(b);
        check::<Calibrator>(b);
        check::<Background>(b);
    }
});
