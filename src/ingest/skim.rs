//! A JSON *skimmer*: walks the structure of one JSON document without decoding it, so a
//! parser can pick out the few values it needs and jump over the rest (message text, tool
//! output, thinking blocks — nearly all the bytes of an agent log).
//!
//! Strings are skipped 64 bytes at a time: each block is turned into bitmasks of its quotes
//! and backslashes (SSE2 on x86_64, a portable loop elsewhere) and the escaped quotes are found
//! with simdjson's carry trick over runs of backslashes, so the speed does not depend on how many
//! escapes the text has. Objects and arrays are skipped by bracket depth. The wanted values are
//! returned as raw slices and decoded by the caller (with serde for anything non-trivial).
//!
//! The skimmer checks structure (balanced brackets, keys, colons, commas, complete strings), not
//! everything JSON requires inside skipped values (e.g. valid escapes, literal spelling): what is
//! skipped is never used.

use std::borrow::Cow;

/// Why a document's structure could not be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skim {
    /// The input ends inside a value.
    Truncated,
    /// Something that is not JSON, at a byte offset.
    Syntax(&'static str, usize),
}

/// Index of the first non-whitespace byte at or after `i`.
pub fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Bitmasks of the `"` and `\` bytes of a 64-byte block (bit k = byte k).
#[cfg(target_arch = "x86_64")]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut quotes = 0u64;
    let mut backslashes = 0u64;
    // SAFETY: SSE2 is part of the x86_64 baseline; each unaligned 16-byte load reads
    // `block[16 * k..16 * k + 16]`, inside the 64-byte array.
    unsafe {
        let q = _mm_set1_epi8(b'"' as i8);
        let bs = _mm_set1_epi8(b'\\' as i8);
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            quotes |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, q)) as u16) << (16 * k);
            backslashes |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) as u16) << (16 * k);
        }
    }
    (quotes, backslashes)
}

/// Bitmasks of the `"` and `\` bytes of a 64-byte block (bit k = byte k).
#[cfg(not(target_arch = "x86_64"))]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    let mut quotes = 0u64;
    let mut backslashes = 0u64;
    for (k, &c) in block.iter().enumerate() {
        quotes |= u64::from(c == b'"') << k;
        backslashes |= u64::from(c == b'\\') << k;
    }
    (quotes, backslashes)
}

/// The bytes of a block that are escaped (preceded by an odd run of backslashes), carrying a
/// run that crosses the block boundary in `carry` (simdjson's `find_escaped_branchless`).
fn escaped(backslashes: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslashes = backslashes & !*carry;
    let follows_escape = (backslashes << 1) | *carry;
    let odd_starts = backslashes & !EVEN & !follows_escape;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslashes);
    *carry = u64::from(overflow);
    (EVEN ^ (even_starts << 1)) & follows_escape
}

/// `i` is at an opening quote; returns the index after the closing quote.
pub fn skip_string(b: &[u8], i: usize) -> Result<usize, Skim> {
    let mut pos = i + 1;
    let mut carry = 0u64;
    while let Some(block) = b.get(pos..pos + 64) {
        let block: &[u8; 64] = block.try_into().map_err(|_| Skim::Truncated)?;
        let (quotes, backslashes) = masks(block);
        let closing = quotes & !escaped(backslashes, &mut carry);
        if closing != 0 {
            return Ok(pos + closing.trailing_zeros() as usize + 1);
        }
        pos += 64;
    }
    let mut escape = carry != 0;
    while pos < b.len() {
        match b[pos] {
            _ if escape => escape = false,
            b'\\' => escape = true,
            b'"' => return Ok(pos + 1),
            _ => {}
        }
        pos += 1;
    }
    Err(Skim::Truncated)
}

/// Skips the value at `i` (which must not be whitespace); returns the index after it.
pub fn skip_value(b: &[u8], i: usize) -> Result<usize, Skim> {
    match b.get(i) {
        None => Err(Skim::Truncated),
        Some(b'"') => skip_string(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(Skim::Truncated)
        }
        Some(_) => {
            let end = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .map_or(b.len(), |k| i + k);
            if end == i {
                Err(Skim::Syntax("expected a value", i))
            } else {
                Ok(end)
            }
        }
    }
}

/// Walks the object at `i`, calling `f(raw key, raw value)` for each member; returns the index
/// after the object. Keys are given raw, without decoding escapes.
pub fn members<'a>(
    b: &'a [u8],
    i: usize,
    mut f: impl FnMut(&'a [u8], &'a [u8]),
) -> Result<usize, Skim> {
    let mut i = ws(b, i);
    match b.get(i) {
        Some(b'{') => {}
        None => return Err(Skim::Truncated),
        Some(_) => return Err(Skim::Syntax("expected an object", i)),
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        match b.get(i) {
            Some(b'"') => {}
            None => return Err(Skim::Truncated),
            Some(_) => return Err(Skim::Syntax("expected a key", i)),
        }
        let key_end = skip_string(b, i)?;
        let key = &b[i + 1..key_end - 1];
        i = ws(b, key_end);
        match b.get(i) {
            Some(b':') => {}
            None => return Err(Skim::Truncated),
            Some(_) => return Err(Skim::Syntax("expected ':'", i)),
        }
        let start = ws(b, i + 1);
        let end = skip_value(b, start)?;
        f(key, &b[start..end]);
        i = ws(b, end);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return Ok(i + 1),
            None => return Err(Skim::Truncated),
            Some(_) => return Err(Skim::Syntax("expected ',' or '}'", i)),
        }
    }
}

/// Walks a whole document that must be one object, calling `f` per top-level member.
pub fn object<'a>(b: &'a [u8], f: impl FnMut(&'a [u8], &'a [u8])) -> Result<(), Skim> {
    let end = ws(b, members(b, 0, f)?);
    if end == b.len() {
        Ok(())
    } else {
        Err(Skim::Syntax("unexpected characters after the object", end))
    }
}

/// A serde error without serde's "at line 1 column N" (positions inside a skimmed value are
/// relative to that value, not the line).
pub fn serde_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// A serde error of a whole line, with its column.
pub fn json_error(e: &serde_json::Error) -> String {
    format!("{} (column {})", serde_message(e), e.column())
}

/// A JSON string value (`null` → `None`), borrowed when it has no escapes. Errors name `field`.
pub fn str_value<'a>(v: &'a [u8], field: &str) -> Result<Option<Cow<'a, str>>, String> {
    if v == b"null" {
        return Ok(None);
    }
    if v.len() < 2 || v[0] != b'"' {
        return Err(format!("`{field}` is not a string"));
    }
    let inner = &v[1..v.len() - 1];
    if memchr::memchr(b'\\', inner).is_none() {
        return std::str::from_utf8(inner)
            .map(|s| Some(Cow::Borrowed(s)))
            .map_err(|_| format!("`{field}` is not valid UTF-8"));
    }
    serde_json::from_slice::<String>(v)
        .map(|s| Some(Cow::Owned(s)))
        .map_err(|e| format!("`{field}`: {}", serde_message(&e)))
}

/// A JSON boolean (`null` → `None`). Errors name `field`.
pub fn bool_value(v: &[u8], field: &str) -> Result<Option<bool>, String> {
    match v {
        b"true" => Ok(Some(true)),
        b"false" => Ok(Some(false)),
        b"null" => Ok(None),
        _ => Err(format!("`{field}` is not a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte-by-byte reference for `skip_string`.
    fn reference(b: &[u8], i: usize) -> Result<usize, Skim> {
        let mut escape = false;
        for (k, &c) in b.iter().enumerate().skip(i + 1) {
            match c {
                _ if escape => escape = false,
                b'\\' => escape = true,
                b'"' => return Ok(k + 1),
                _ => {}
            }
        }
        Err(Skim::Truncated)
    }

    #[test]
    fn block_scanner_agrees_with_the_reference_on_random_strings() {
        // strings of quotes, backslashes and letters around every block boundary
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 300) as usize;
            let mut s = vec![b'"'];
            for _ in 0..len {
                s.push(match next() % 6 {
                    0 => b'"',
                    1 | 2 => b'\\',
                    _ => b'a',
                });
            }
            assert_eq!(
                skip_string(&s, 0),
                reference(&s, 0),
                "{:?}",
                String::from_utf8_lossy(&s)
            );
        }
    }

    #[test]
    fn long_backslash_runs_across_blocks() {
        for run in 0..200 {
            for pad in 0..70 {
                let mut s = vec![b'"'];
                s.extend(std::iter::repeat_n(b'x', pad));
                s.extend(std::iter::repeat_n(b'\\', run));
                s.extend_from_slice(b"\"tail\"");
                assert_eq!(skip_string(&s, 0), reference(&s, 0), "run {run} pad {pad}");
            }
        }
    }

    #[test]
    fn finds_members_past_tricky_values() {
        let line = br#" { "a" : "x\"}]{[\\" , "b":[{"k":"]"},[1,2,{"z":null}]], "c":{"d":{"e":[]}},"n":-1.5e3,"t":true,"s":"y" } "#;
        let mut seen = Vec::new();
        object(line, |k, v| {
            seen.push((
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            ))
        })
        .unwrap();
        let keys: Vec<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c", "n", "t", "s"]);
        assert_eq!(seen[0].1, r#""x\"}]{[\\""#);
        assert_eq!(seen[1].1, r#"[{"k":"]"},[1,2,{"z":null}]]"#);
        assert_eq!(seen[3].1, "-1.5e3");
        assert_eq!(seen[5].1, r#""y""#);
    }

    #[test]
    fn structure_errors() {
        let f = |_: &[u8], _: &[u8]| {};
        assert_eq!(object(b"{\"a\":1", f), Err(Skim::Truncated));
        assert_eq!(object(b"{\"a\":\"x", f), Err(Skim::Truncated));
        assert_eq!(
            object(b"{\"a\" 1}", f),
            Err(Skim::Syntax("expected ':'", 5))
        );
        assert_eq!(object(b"{a:1}", f), Err(Skim::Syntax("expected a key", 1)));
        assert_eq!(
            object(b"[1]", f),
            Err(Skim::Syntax("expected an object", 0))
        );
        assert_eq!(
            object(b"{} x", f),
            Err(Skim::Syntax("unexpected characters after the object", 3))
        );
        assert_eq!(object(b"{}", f), Ok(()));
    }

    #[test]
    fn values() {
        assert_eq!(str_value(br#""abc""#, "f"), Ok(Some(Cow::Borrowed("abc"))));
        assert_eq!(
            str_value(br#""a\nb\u00e9""#, "f"),
            Ok(Some(Cow::Owned("a\nbé".to_string())))
        );
        assert_eq!(str_value(b"null", "f"), Ok(None));
        assert!(str_value(b"12", "f").is_err());
        assert!(str_value(b"\"\xff\"", "f").unwrap_err().contains("UTF-8"));
        assert_eq!(bool_value(b"true", "f"), Ok(Some(true)));
        assert!(bool_value(b"1", "f").is_err());
    }
}
