"""Where one backend's INSERTs spent their time, from `perf script -F comm,ip,sym` of a `perf record --call-graph
dwarf` (bench/insert_profile.sh runs it). Each sample counts once in a phase (the outermost frame of a known phase of
the index's insert, vectorext's or pgvector's, else the part of the statement outside the index) and once in a kind
(the innermost frame of a known kind of work, looking from the leaf up to the first frame of the index's own code).

usage: insert_profile_buckets.py PERF_SCRIPT POSTGRES_SYMS   (POSTGRES_SYMS: `nm -D --defined-only postgres` as
"address name" lines; the server's static functions have no symbol and are named after the exported one before
them, e.g. generic_xlog.c's delta computation shows as "static-after:committssyncfiletag")
"""
import bisect
import collections
import re
import sys

PHASES = [  # vectorext (hnsw_insert.cpp, hnsw_meta.cpp) and pgvector (hnswinsert.c)
    ('index: back links (re-prune, list writes)',
     r'write_lists0_by_page|replace_lists0_on_page|link_back|plan_link|add_to_list0|splice_in|replace_neighbors'
     r'|^HnswUpdateNeighborsOnDisk$|^UpdateNeighborOnDisk$|^HnswUpdateConnection$'),
    ('index: write the new record', r'write_element|write_upper|^AddElementOnDisk$|^WriteNewElementPages$'),
    ('index: search for neighbours (greedy descent + ef_construction beam)',
     r'search_layer|greedy_layer|search_init|distance_to|^HnswSearchLayer$|^HnswFindElementNeighbors$'),
    ('index: select the new element\'s neighbours', r'select_from|read_header$|^SelectNeighbors$'),
    ('index: meta page (allocation, entry point)', r'graph_load|meta_allocate|meta_raise_entry|graph_refresh|meta_load'
     r'|^HnswGetMetaPageInfo$|^UpdateMetaPage$'),
]
INDEX = r'insert_element|vx::pg::hnsw::insert|^hnswinsert$|^HnswInsertTupleOnDisk$|^HnswInsertTuple$'
OUTSIDE = [('commit', r'^CommitTransactionCommand$'), ('heap insert', r'^heap_insert$'),
           ('vector input', r'vector_in|parse_vector'),
           ('parse, plan, executor (rest of the statement)', r'PostgresMain')]
KINDS = [
    ('GenericXLog (page copies, whole-page delta, WAL insert)',
     r'GenericXLog|static-after:committssyncfiletag|XLogInsert|XLogRegister|CopyXLogRecordToWAL|ReserveXLog'
     r'|pg_comp_crc32c|XLogRecordAssemble'),
    ('distance kernels', r'inner_product|l2_squared|half_rank|rank_distance|vector_negative_inner_product|vector_l2'
     r'|HnswGetDistance|half::|decode_f16c|element_distance'),
    ('buffer manager (pin, content lock, lookup)',
     r'ReadBuffer|ReadRecentBuffer|LockBuf|ReleaseBuffer|UnlockReleaseBuffer|LockBuffer|PinBuffer|pin_new|pinned'
     r'|static-after:(IsBufferCleanupOK|BufTableDelete|LockWaiterCount)|hash_search_with_hash_value|LWLock|BufTable'
     r'|ResourceOwner|hash_bytes'),
]
OWN = r'vx::|Hnsw|hnsw'


def load_symbols(path):
    syms = []
    for line in open(path):
        p = line.split()
        if len(p) == 2:
            syms.append((int(p[0], 16), p[1]))
    syms.sort()
    return [s[0] for s in syms], [s[1] for s in syms]


def main():
    addrs, names = load_symbols(sys.argv[2])

    def resolve(ip, sym):
        if sym != '[unknown]':
            return sym
        x = int(ip, 16)
        if x > 0xffffffff00000000:
            return '[kernel]'
        i = bisect.bisect_right(addrs, x) - 1
        return '[unknown]' if i < 0 or x - addrs[i] > 0x4000 else 'static-after:' + names[i]

    samples, cur = [], None
    for line in open(sys.argv[1]):
        if not line.strip():
            if cur:
                samples.append(cur)
            cur = None
        elif not line[0].isspace():
            cur = []
        else:
            p = line.split(None, 1)
            if len(p) == 2 and cur is not None:
                cur.append(resolve(p[0], p[1].strip()))
    if cur:
        samples.append(cur)

    phase, kind, both = collections.Counter(), collections.Counter(), collections.Counter()
    for st in samples:
        ph = None
        for f in reversed(st):  # outermost first
            ph = next((name for name, rx in PHASES if re.search(rx, f)), None)
            if ph:
                break
        if ph is None and any(re.search(INDEX, f) for f in st):
            ph = 'index: other'
        if ph is None:
            ph = next((name for name, rx in OUTSIDE if any(re.search(rx, f) for f in st)), 'other')
        k = 'other'
        for f in st:  # innermost first, up to the index's own code
            hit = next((name for name, rx in KINDS if re.search(rx, f)), None)
            if hit:
                k = hit
                break
            if re.search(OWN, f):
                break
        leaf = st[0] if st else ''
        if k == 'other' and re.search(OWN, leaf):
            k = 'index code itself (loops, heaps, lists, reading records)'
        if k == 'other' and re.search(r'mem(cpy|move|cmp|set)', leaf):
            k = 'memcpy / memcmp'
        if leaf == '[kernel]':
            k = 'kernel'
        phase[ph] += 1
        kind[k] += 1
        both[(ph, k)] += 1
    n = max(len(samples), 1)
    print('samples', len(samples))
    for ph, c in phase.most_common():
        print('%5.1f%%  %s' % (100.0 * c / n, ph))
        for (p2, k), c2 in both.most_common():
            if p2 == ph and c2 * 200 > n:
                print('          %5.1f%%  %s' % (100.0 * c2 / n, k))
    print('by kind:')
    for k, c in kind.most_common():
        print('%5.1f%%  %s' % (100.0 * c / n, k))


if __name__ == '__main__':
    main()
