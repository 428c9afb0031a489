//! Per-thread reusable scratch buffers for column matrices.
//!
//! The column matrices of a convolution are large (tens of MB) and needed on every call; allocating
//! them afresh makes the allocator map new pages each time, and the page faults cost as much as
//! a good part of the GEMM. Each thread keeps the buffers it used last and hands them out again.
//! Buffers are moved out of the thread-local pool while in use (never borrowed across user code),
//! so a nested use on the same thread (rayon work stealing) simply gets a fresh buffer.

use std::cell::RefCell;

/// Buffers kept per thread.
const KEEP: usize = 4;
/// Largest buffer (in `f32` elements, 256 MiB) kept for reuse; larger ones are freed after use.
const KEEP_MAX_LEN: usize = 64 << 20;

thread_local! {
    static POOL: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A scratch buffer of a requested length whose contents are unspecified (left from an earlier
/// use): callers must overwrite what they read. Returns to its thread's pool when dropped.
pub(crate) struct Scratch(Vec<f32>);

impl Scratch {
    /// A buffer of exactly `len` elements.
    pub fn take(len: usize) -> Self {
        let mut v = POOL
            .try_with(|p| {
                p.try_borrow_mut()
                    .ok()
                    .and_then(|mut p| best_fit(&mut p, len))
            })
            .ok()
            .flatten()
            .unwrap_or_default();
        if v.len() > len {
            v.truncate(len);
        } else {
            v.resize(len, 0.0);
        }
        Self(v)
    }

    /// The buffer.
    pub fn as_mut(&mut self) -> &mut Vec<f32> {
        &mut self.0
    }
}

/// Removes and returns the kept buffer that fits `len` most tightly (the smallest whose capacity
/// suffices, else the largest, which grows the least), so that buffers of different sizes used in
/// turn keep their allocations instead of being regrown.
fn best_fit(pool: &mut Vec<Vec<f32>>, len: usize) -> Option<Vec<f32>> {
    let fitting = pool
        .iter()
        .enumerate()
        .filter(|(_, v)| v.capacity() >= len)
        .min_by_key(|(_, v)| v.capacity())
        .map(|(i, _)| i);
    let pick = fitting.or_else(|| {
        pool.iter()
            .enumerate()
            .max_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i)
    })?;
    Some(pool.swap_remove(pick))
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() == 0 || v.capacity() > KEEP_MAX_LEN {
            return;
        }
        let _ = POOL.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                if p.len() < KEEP {
                    p.push(v);
                }
            }
        });
    }
}
