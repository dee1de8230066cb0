//! Reading a response body within a size limit, for the API ([`crate::hooks`]) and the
//! accounts server ([`crate::auth`]).
//!
//! A body whose `Content-Length` announces more than the limit is refused before any byte of
//! it is read; a body without a length (chunked) is read until it passes the limit, and then
//! no further. Either way the caller drops the response unread, which closes the connection,
//! so the rest is never buffered. The time a body may take is bounded separately, by the
//! client's per-attempt timeout, which covers reading the body too.
//!
//! A body whose announced length has arrived is complete: it is returned without polling the
//! stream once more for its end, a poll that can find the connection's task not yet done with
//! the body and wait for it to say so.
//!
//! Memory: a body that arrives in one piece is kept as that piece (no copy). A body in several
//! pieces with a known length is copied piece by piece into one buffer of exactly that length,
//! each piece dropped as it is copied; only [`UPFRONT_MAX`] of it is reserved before the bytes
//! arrive (a length announced past that, under a raised limit, grows the buffer as the body
//! comes, so an announcement alone cannot make the client allocate); without a length, the
//! pieces are kept until the end and then copied into one buffer of the exact total, so
//! reading costs at most twice the body for a moment and exactly the body afterwards (a
//! growing buffer could hold up to twice the body for good, and a moving reallocation three
//! times it for a moment).

use bytes::Bytes;

/// The default limit on one body, 32 MiB: `ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES` (held
/// equal to it at compile time) and the raw client's on `Hooks::default()`.
pub(crate) const DEFAULT_LIMIT: u64 = 32 * 1024 * 1024;

/// The most a body's announced length reserves before its bytes arrive: the default limit,
/// so under that limit every body with a length gets one exact buffer.
pub(crate) const UPFRONT_MAX: u64 = DEFAULT_LIMIT;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the limit (announced by `Content-Length`, or seen while reading).
    TooLarge,
    /// Reading failed: the body broke off, the connection was reset, or the attempt's timeout
    /// ran out.
    Read(reqwest::Error),
}

/// Reads the whole body of `resp`, refusing it past `limit` bytes (see the module docs).
pub(crate) async fn read(resp: &mut reqwest::Response, limit: u64) -> Result<Bytes, BodyError> {
    let announced = resp.content_length();
    if announced.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let first = match resp.chunk().await.map_err(BodyError::Read)? {
        None => return Ok(Bytes::new()),
        Some(c) => c,
    };
    let mut size = first.len() as u64;
    if size > limit {
        return Err(BodyError::TooLarge);
    }
    // All the announced bytes are here (hyper delivers no more than announced).
    if announced == Some(size) {
        return Ok(first);
    }
    let Some(second) = resp.chunk().await.map_err(BodyError::Read)? else {
        return Ok(first);
    };
    size += second.len() as u64;
    if size > limit {
        return Err(BodyError::TooLarge);
    }
    match announced {
        // The announced length (at most `limit`) is what hyper will deliver: one exact buffer,
        // reserved up to `UPFRONT_MAX` before the bytes arrive.
        Some(n) => {
            let mut buf = Vec::with_capacity(usize::try_from(n.min(UPFRONT_MAX)).unwrap_or(0));
            buf.extend_from_slice(&first);
            buf.extend_from_slice(&second);
            drop((first, second));
            // Until the announced length has arrived (a body that ends short is an error
            // from hyper, not an early end).
            while size < n {
                let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? else {
                    break;
                };
                size += chunk.len() as u64;
                if size > limit {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(Bytes::from(buf))
        }
        None => {
            let mut chunks = vec![first, second];
            while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
                size += chunk.len() as u64;
                if size > limit {
                    return Err(BodyError::TooLarge);
                }
                chunks.push(chunk);
            }
            let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            for chunk in chunks {
                buf.extend_from_slice(&chunk);
            }
            Ok(Bytes::from(buf))
        }
    }
}
