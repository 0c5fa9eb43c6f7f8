// Value pages of the HNSW index: where an element too large for its operator class's fixed stored form keeps the
// rest (sparsevec beyond its 300 inline nonzeros, up to the type's 16,000; the contract's extra_bytes /
// extra / attach_extra, ann_contract.h). Records stay fixed-size and found by id; such a record keeps the form with
// its nonzeros detached, and a value reference (first value page, bytes) in its error slot, which OwnBytes forms
// never use. The bytes live in a chain of whole pages (src/pg/hnsw/hnsw_values.cpp):
//
//   value page   ValuePageHeader {magic, next block (0: end), owner heap TID, bytes used} | payload, special area
//                of kind PageKind::Value
//
// A chain is written (WAL-logged, full page images) before the record that points at it is written, so nobody
// reads a chain that is not complete; VACUUM puts the chain of an element it recycles on the meta page's free list
// (value_free_head, linked through `next`), which later values take pages from before the relation grows. The meta
// page's side (taking pages, freeing a chain) is hnsw_meta.cpp's, as every change of block 0.
// Everything here is C-style (may ereport) unless marked otherwise.
#pragma once

#include "pg/hnsw/hnsw.h"

namespace vx::pg::hnsw {

constexpr uint32 kValueMagic = 0x56585650;        // "VXVP"
constexpr BlockNumber kNoValuePage = kMetaBlock;  // chain end, empty free list, no reference (block 0 is the meta)

struct ValuePageHeader {
  uint32 magic;
  uint32 next;            // next page of the chain, or of the free list; kNoValuePage: none
  ItemPointerData owner;  // heap TID of the element whose value the chain holds
  uint16 used;            // payload bytes of this page
};
static_assert(sizeof(ValuePageHeader) == 16, "value page header is 16 bytes");
constexpr uint32 kValuePayload = kUsable - sizeof(ValuePageHeader);

// The record's reference to its chain (in the error slot, kErrorBytes).
struct ValueRef {
  uint32 head;   // first page (kNoValuePage: none)
  uint32 bytes;  // of the out-of-line part
};
static_assert(sizeof(ValueRef) == kErrorBytes, "the value reference takes the error slot");

// ---- no Postgres call (the bulk build calls these from frames with C++ objects) ----
// Bytes an element (in memory: element_width floats) keeps out of line; 0 for most.
uint32 element_extra_bytes(const AnnContract& c, const float* elem);
const uint8* element_extra(const AnnContract& c, const float* elem);
inline uint32 value_chain_pages(uint32 bytes) { return (bytes + kValuePayload - 1) / kValuePayload; }
// The data areas (value_chain_pages(bytes) x kUsable bytes, zeroed by the caller) of a chain at consecutive blocks
// from `head`.
void format_value_chain(char* areas, BlockNumber head, const ItemPointerData& owner, const uint8* data, uint32 bytes);
// Puts a reference into a record being written (rec: the record's bytes; m: the index's m).
void set_value_ref(char* rec, uint32 m, const ValueRef& ref);

// ---- Postgres side ----
// Copies the element's out-of-line part into cxt and attaches the copy (the value it pointed at may be freed);
// returns its bytes (0: nothing to copy).
uint32 keep_element_extra(const AnnContract& c, float* elem, MemoryContext cxt);
// Insert: writes the chain of the element's out-of-line part (if any) and keeps its reference in g until
// take_value_ref puts it into the record (write_element). Before the id is allocated: it takes the meta page's lock.
void prepare_element_values(Graph* g, const float* elem, ItemPointer owner);
void take_value_ref(Graph* g, char* rec);
// A stored form on a page (stored: its bytes, of record id) ready for the contract's kernels: stored itself, or a
// copy with its out-of-line part attached (valid until the next call on g); nullptr when the chain cannot be read.
const uint8* resolve_stored(Graph* g, uint32 id, const uint8* stored);
// read_vector of an OwnBytes element copied its form into out: attaches its out-of-line part, read into a buffer
// that belongs to the address `out` (reused when out is read into again; freed with g's memory context).
void attach_element_values(Graph* g, uint32 id, float* out);
// The next page of a free value page (share lock); false when `block` is not a value page (damage).
bool value_page_next(Relation index, BlockNumber block, BlockNumber* next);
// VACUUM, before it recycles id: moves the element's chain to the free list and clears the record's reference (one
// WAL record: meta page, record page, the chain's last page).
void release_element_values(Relation index, Graph* g, uint32 id);
// index_check: every written element's chain (magic, owner, length, bytes; no page in two chains) and the free list
// (no page in a chain, no cycle). state: per id the record's flags as the check read them (0: unwritten).
void check_element_values(Graph* g, const uint8* state, BlockNumber nblocks);

}  // namespace vx::pg::hnsw
