"""Compiled inner loops for shingling, MinHash and Jaccard, written with numba.

Imported lazily (numba itself takes most of a second to import) by `inspector.core.scan.shingles`
and `inspector.core.scan.minhash`; nothing else should import this module. Every function works on
flat arrays plus an `offsets` array (row `i` owns `values[offsets[i]:offsets[i + 1]]`), the
layout Arrow uses for list columns, so millions of rows never become Python objects.

All hashing is unsigned 64-bit arithmetic that wraps around; numba turns a mix of signed and
unsigned integers into floats, so every constant below is typed explicitly.

Every kernel releases the GIL (`nogil=True`): the app runs the scan in a background thread, and a
kernel holding the GIL for seconds would freeze the keyboard meanwhile.
"""

from __future__ import annotations

import numpy as np

from inspector.core.jit import prepare_cache

prepare_cache(__file__)  # before numba is imported: it reads NUMBA_CACHE_DIR once

from numba import njit  # noqa: E402

_U64 = np.uint64
_FNV_OFFSET = _U64(0xCBF29CE484222325)
_FNV_PRIME = _U64(0x100000001B3)
# MurmurHash3's 64-bit finalizer constants: a public, fixed avalanching bijection.
_M1 = _U64(0xFF51AFD7ED558CCD)
_M2 = _U64(0xC4CEB9FE1A85EC53)
_S33 = _U64(33)
# Odd multiplier used to fold a sequence of token hashes into one n-gram hash.
_SEQ = _U64(0x9E3779B97F4A7C15)
_S31 = _U64(31)
_MASK32 = _U64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def fmix64(h):
    """Spread every input bit over every output bit (a bijection on 64-bit values)."""
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@njit(cache=True, nogil=True)
def tokenize(data, offsets, kinds, chars, spans):
    """Split each row's UTF-8 bytes into script-aware units and hash them.

    `kinds` is `inspector.core.data.units.kind_table()`: each BMP code point's unit kind (0 no
    unit, 1 word character, 2 a character of a script written without spaces, 3 a combining
    mark). A unit is a maximal run of word characters and marks, or one unspaced character
    with the marks after it. Above the BMP, U+20000..U+3FFFF (CJK extensions) are unspaced,
    the symbol and emoji block U+1F000..U+1FAFF is no unit, and the rest are word characters.
    With `chars` false the tokens are unit hashes (FNV-1a over the unit's bytes); with `chars`
    true they are codepoint hashes of the text's runs of unit characters joined by one space.
    With `spans` true the byte range of every unit (or run) is returned as well.
    """
    rows = offsets.shape[0] - 1
    # Bounds: a word unit takes a byte plus a separator (or an unspaced unit after it, three
    # bytes or more), so units are at most half the bytes; characters never outnumber bytes.
    out = np.empty(data.shape[0] + rows if chars else data.shape[0] // 2 + rows, dtype=np.uint64)
    out_off = np.empty(rows + 1, dtype=np.int64)
    out_spans = np.empty((data.shape[0] // 2 + 1 if spans else 0, 2), dtype=np.int64)
    space = fmix64(_U64(32) + _FNV_OFFSET)
    out_off[0] = 0
    m = 0
    nspan = 0
    base = offsets[0]
    for i in range(rows):
        k = offsets[i]
        end = offsets[i + 1]
        in_word = False
        unspaced = False
        h = _FNV_OFFSET
        start = k
        words = 0
        while k < end:
            b0 = data[k]
            if b0 < 0x80:  # ASCII, nearly every byte of most data: no decoding
                cp = np.int64(b0)
                width = 1
                kind = kinds[b0]
            else:
                if b0 < 0xE0:
                    cp, width = np.int64(b0 & 0x1F), 2
                elif b0 < 0xF0:
                    cp, width = np.int64(b0 & 0x0F), 3
                else:
                    cp, width = np.int64(b0 & 0x07), 4
                for j in range(1, width):
                    cp = (cp << 6) | (np.int64(data[k + j]) & 0x3F)
                if cp < 0x10000:
                    kind = kinds[cp]
                elif 0x20000 <= cp <= 0x3FFFF:
                    kind = 2
                elif 0x1F000 <= cp <= 0x1FAFF:
                    kind = 0
                else:
                    kind = 1
            # A unit ends before a non-unit character, before an unspaced character, and
            # before a word character that follows an unspaced one (marks extend any unit).
            ends = in_word and (
                kind == 0 or (not chars and (kind == 2 or (kind == 1 and unspaced)))
            )
            if ends:
                in_word = False
                if not chars:
                    out[m] = fmix64(h)
                    m += 1
                if spans:
                    out_spans[nspan, 0] = start - base
                    out_spans[nspan, 1] = k - base
                    nspan += 1
            if kind != 0:
                if not in_word:
                    in_word = True
                    unspaced = kind == 2
                    h = _FNV_OFFSET
                    start = k
                    if chars and words > 0:
                        out[m] = space
                        m += 1
                    words += 1
                if chars:
                    out[m] = fmix64(_U64(cp) + _FNV_OFFSET)
                    m += 1
                else:
                    for j in range(width):
                        h = (h ^ _U64(data[k + j])) * _FNV_PRIME
            k += width
        if in_word:  # the row ends inside a unit
            if not chars:
                out[m] = fmix64(h)
                m += 1
            if spans:
                out_spans[nspan, 0] = start - base
                out_spans[nspan, 1] = end - base
                nspan += 1
        out_off[i + 1] = m
    return out[:m].copy(), out_off, out_spans[:nspan].copy()


@njit(cache=True, nogil=True)
def ngram_hashes(tokens, offsets, n):
    """Hashes of every run of `n` consecutive tokens within each row, in order.

    A row with fewer than `n` tokens (but at least one) gets a single hash of all its tokens,
    so short texts still take part; an empty row gets none.
    """
    rows = offsets.shape[0] - 1
    total = 0
    for i in range(rows):
        t = offsets[i + 1] - offsets[i]
        if t >= n:
            total += t - n + 1
        elif t > 0:
            total += 1
    out = np.empty(total, dtype=np.uint64)
    out_off = np.empty(rows + 1, dtype=np.int64)
    out_off[0] = 0
    m = 0
    for i in range(rows):
        start = offsets[i]
        t = offsets[i + 1] - start
        width = n if t >= n else t
        count = t - n + 1 if t >= n else (1 if t > 0 else 0)
        for s in range(count):
            h = _U64(width)
            for k in range(width):
                h = (h ^ tokens[start + s + k]) * _SEQ
                h ^= h >> _S31
            out[m] = fmix64(h)
            m += 1
        out_off[i + 1] = m
    return out, out_off


@njit(cache=True, nogil=True)
def sort_unique_rows(values, offsets):
    """Each row's values sorted with repeats removed (the row as a set)."""
    rows = offsets.shape[0] - 1
    out = np.empty_like(values)
    out_off = np.empty(rows + 1, dtype=np.int64)
    out_off[0] = 0
    m = 0
    for i in range(rows):
        seg = np.sort(values[offsets[i] : offsets[i + 1]])
        for k in range(seg.shape[0]):
            if k == 0 or seg[k] != seg[k - 1]:
                out[m] = seg[k]
                m += 1
        out_off[i + 1] = m
    return out[:m], out_off


@njit(cache=True, nogil=True)
def minhash_signatures(values, offsets, a, b):
    """One MinHash signature per row: for each permutation `p`, the least `a[p]*x + b[p]`.

    `x` is the low 32 bits of a shingle's (already avalanched) hash and the arithmetic wraps
    mod 2**32; with `a[p]` odd each map is a bijection. Rows without shingles keep the
    all-ones "empty" signature. Written so the compiler vectorizes the loop over
    permutations (a branch-free `min` on 32-bit lanes: ~5x faster than a compare-and-store).
    """
    rows = offsets.shape[0] - 1
    perms = a.shape[0]
    sig = np.full((rows, perms), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    for i in range(rows):
        row = sig[i]
        for k in range(offsets[i], offsets[i + 1]):
            x = np.uint32(values[k] & _MASK32)
            for p in range(perms):
                row[p] = min(row[p], np.uint32(a[p] * x + b[p]))
    return sig


@njit(cache=True, nogil=True)
def band_keys(sig, bands, rows_per_band):
    """Hash each band (a run of `rows_per_band` signature values) into one 64-bit bucket key."""
    n = sig.shape[0]
    keys = np.empty((bands, n), dtype=np.uint64)
    for i in range(n):
        for j in range(bands):
            h = _U64(j + 1)
            for k in range(j * rows_per_band, (j + 1) * rows_per_band):
                h = (h ^ _U64(sig[i, k])) * _SEQ
                h ^= h >> _S31
            keys[j, i] = fmix64(h)
    return keys


@njit(cache=True, nogil=True)
def bucket_pairs(sorted_keys, order, max_bucket):
    """Candidate pairs `(i, j)`, `i < j`, of rows that share a bucket key.

    `sorted_keys` is one band's keys sorted and `order` the matching row ids. A bucket holding
    more than `max_bucket` rows (a template shared by thousands of rows) yields only the pairs
    linking each member to the bucket's first row and to its neighbour, which keeps the work
    linear while still connecting the whole bucket for verification.
    """
    n = sorted_keys.shape[0]
    # Count first so the output is allocated once.
    total = 0
    start = 0
    while start < n:
        end = start + 1
        while end < n and sorted_keys[end] == sorted_keys[start]:
            end += 1
        size = end - start
        if size > max_bucket:
            total += 2 * (size - 1)
        else:
            total += size * (size - 1) // 2
        start = end
    out = np.empty((total, 2), dtype=np.int64)
    m = 0
    start = 0
    while start < n:
        end = start + 1
        while end < n and sorted_keys[end] == sorted_keys[start]:
            end += 1
        size = end - start
        if size > max_bucket:
            for k in range(start + 1, end):
                for other in (order[start], order[k - 1]):
                    x, y = order[k], other
                    out[m, 0] = min(x, y)
                    out[m, 1] = max(x, y)
                    m += 1
        else:
            for p in range(start, end):
                for q in range(p + 1, end):
                    x, y = order[p], order[q]
                    out[m, 0] = min(x, y)
                    out[m, 1] = max(x, y)
                    m += 1
        start = end
    return out[:m]


@njit(cache=True, nogil=True)
def jaccard_pairs(values, offsets, pairs):
    """Exact Jaccard similarity of each pair of rows, from their sorted unique values."""
    k = pairs.shape[0]
    out = np.empty(k, dtype=np.float64)
    for t in range(k):
        i = pairs[t, 0]
        j = pairs[t, 1]
        p, pe = offsets[i], offsets[i + 1]
        q, qe = offsets[j], offsets[j + 1]
        size_i, size_j = pe - p, qe - q
        inter = 0
        while p < pe and q < qe:
            if values[p] == values[q]:
                inter += 1
                p += 1
                q += 1
            elif values[p] < values[q]:
                p += 1
            else:
                q += 1
        union = size_i + size_j - inter
        out[t] = inter / union if union > 0 else 0.0
    return out


@njit(cache=True, nogil=True)
def multiset_hashes(values, offsets):
    """An order-independent 64-bit hash of each row's values (repeats counted): rows holding
    the same values in any order hash equal, so equal hashes mean equal sets."""
    rows = offsets.shape[0] - 1
    out = np.empty(rows, dtype=np.uint64)
    for i in range(rows):
        h = _U64(offsets[i + 1] - offsets[i])
        for k in range(offsets[i], offsets[i + 1]):
            h += fmix64(values[k] ^ _SEQ)
        out[i] = fmix64(h)
    return out


@njit(cache=True, nogil=True)
def sort_unique_subset(values, offsets, rows):
    """`sort_unique_rows` for the listed rows only, in the order listed."""
    total = 0
    for r in rows:
        total += offsets[r + 1] - offsets[r]
    out = np.empty(total, dtype=values.dtype)
    out_off = np.empty(rows.shape[0] + 1, dtype=np.int64)
    out_off[0] = 0
    m = 0
    for t in range(rows.shape[0]):
        r = rows[t]
        seg = np.sort(values[offsets[r] : offsets[r + 1]])
        for k in range(seg.shape[0]):
            if k == 0 or seg[k] != seg[k - 1]:
                out[m] = seg[k]
                m += 1
        out_off[t + 1] = m
    return out[:m], out_off
