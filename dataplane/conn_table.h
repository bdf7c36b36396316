// The per-worker connection table: preallocated at start, never allocates
// afterwards, owned by one worker (no locks, no atomics).
//
// Entries live in an array (one cache line each for IPv4); a separate
// open-addressing index (linear probing, backward-shift deletion, 8 slots per
// cache line) maps the tuple of each direction to its entry: the client's
// tuple (client -> VIP) and, for NAT, the real server's reply tuple
// (RS -> client). A lookup typically touches one index line and one entry.
//
// When no entry is free, the oldest embryonic connection is evicted first,
// as IPVS's SYN-flood defense does; if none is left, insertion fails. The
// embryonic records live in a ring of a quarter of the capacity: under a
// flood it keeps the newest quarter of the records, and each new SYN evicts
// the oldest of them; older embryonic entries leave by their timeout. That
// keeps 10M IPv4 connections within 1 GiB (footprintBytes).
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "dataplane/conn_state.h"
#include "dataplane/flow.h"
#include "dataplane/hash_mix.h"

namespace sluice::dp {

// Address types the table is instantiated for.
struct Addr4 {
  uint32_t v;  // network byte order, as on the wire
  static Addr4 from(const IpAddr& a) {
    Addr4 r;
    std::memcpy(&r.v, a.b, 4);
    return r;
  }
  IpAddr ip() const {
    IpAddr a{};
    std::memcpy(a.b, &v, 4);
    return a;
  }
  friend bool operator==(Addr4 x, Addr4 y) { return x.v == y.v; }
  uint64_t hashWord() const { return v; }
};

struct Addr6 {
  IpAddr v;
  static Addr6 from(const IpAddr& a) { return Addr6{a}; }
  IpAddr ip() const { return v; }
  friend bool operator==(const Addr6& x, const Addr6& y) { return x.v == y.v; }
  uint64_t hashWord() const {
    uint64_t lo, hi;
    std::memcpy(&lo, v.b, 8);
    std::memcpy(&hi, v.b + 8, 8);
    return lo ^ (hi * 0x9E3779B97F4A7C15ull);
  }
};

// Starts loading the cache line at p. GCC deletes a __builtin_prefetch
// whose address comes from a load with no other use (the entry and victim
// prefetches below), so x86 gets the instruction itself.
inline void prefetchLine(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

// A fixed-size array on its own anonymous mapping, aligned to 2 MiB and
// advised for transparent huge pages: a lookup among millions of entries
// touches random lines, and with 4 KiB pages each one would also miss the
// TLB (a nested page walk in a VM). Elements are value-initialised at
// construction, so every page is committed before the hot path runs.
template <class T>
class HugeArray {
 public:
  static constexpr std::size_t kAlign = std::size_t{2} << 20;

  explicit HugeArray(std::size_t n) : n_(n), bytes_((n * sizeof(T) + kAlign - 1) / kAlign * kAlign) {
    if (bytes_ == 0) return;
    // Over-map by one alignment, then give back the unaligned head and tail.
    void* raw = ::mmap(nullptr, bytes_ + kAlign, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<char*>(raw);
    char* aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + kAlign - 1) & ~(kAlign - 1));
    if (aligned != base) ::munmap(base, static_cast<std::size_t>(aligned - base));
    if (char* end = aligned + bytes_; end != base + bytes_ + kAlign) {
      ::munmap(end, static_cast<std::size_t>(base + bytes_ + kAlign - end));
    }
    ::madvise(aligned, bytes_, MADV_HUGEPAGE);  // best effort: a kernel without THP still works
    data_ = reinterpret_cast<T*>(aligned);
    std::uninitialized_value_construct_n(data_, n_);
  }
  ~HugeArray() {
    if (data_ == nullptr) return;
    std::destroy_n(data_, n_);
    ::munmap(data_, bytes_);
  }
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;

  std::size_t size() const { return n_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + n_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + n_; }

 private:
  std::size_t n_;
  std::size_t bytes_;
  T* data_ = nullptr;
};

// Connection flags.
inline constexpr uint8_t kConnInUse = 1 << 0;
inline constexpr uint8_t kConnNat = 1 << 1;       // has a reply tuple in the index
inline constexpr uint8_t kConnTemplate = 1 << 2;  // a persistence template (state kEstablished: IPVS's ASSURED)
inline constexpr uint8_t kConnFtpControl = 1 << 3;   // an FTP control connection (NAT): its payload is read
inline constexpr uint8_t kConnNoClientPort = 1 << 4;  // an FTP passive data entry waiting for the client's port (0 until then)
inline constexpr uint8_t kConnFtpData = 1 << 5;  // an FTP data entry: not a client's connection (client limits)

template <class A>
struct alignas(64) Conn {
  A client;
  A vip;
  A rs;
  uint16_t clientPort;  // host order, like FlowTuple
  uint16_t vipPort;
  uint16_t rsPort;
  uint8_t proto;
  ConnState state;
  uint8_t flags;
  uint8_t method;        // forwarding method, owned by the caller
  uint16_t serviceId;
  uint16_t destId;
  uint16_t seqRef;       // 1 + index of the owner's sequence shifts (FTP rewrites), 0 = none
  uint32_t expires;      // ms clock of the owner, compared wrap-aware
  uint32_t generation;   // bumped at every reuse of the slot
  uint32_t hashIn;       // index hashes, kept to delete without rehashing
  uint32_t hashOut;
  uint32_t templateRef;  // 1 + index of the controlling template, 0 = none
  uint32_t controlled;   // templates: connections bound to this template
  uint32_t inPkts;       // packets from the client (IPVS's in_pkts: sync thresholds)
  uint32_t syncedAt;     // sync_decision.h's SyncMark, kept apart to pack the line
  ConnState syncedState;
  uint8_t syncRetries;
  uint16_t limitRef;     // 1 + index of the owner's per-client limit entry that counts it, 0 = none
};

static_assert(sizeof(Conn<Addr4>) == 64, "an IPv4 connection is one cache line");

// True when `deadline` has passed at `now` on a wrapping millisecond clock.
inline bool clockPassed(uint32_t now, uint32_t deadline) { return static_cast<int32_t>(now - deadline) >= 0; }

template <class A>
class ConnTable {
 public:
  using Entry = Conn<A>;

  struct Hit {
    Entry* conn;      // nullptr on a miss
    bool fromServer;  // matched the reply tuple (RS -> client)
  };

  // Allocates room for `capacity` connections (control path; may throw
  // std::bad_alloc). Not thread-safe: the owning worker uses it alone.
  explicit ConnTable(uint32_t capacity, uint32_t seed = 0x5EED1234u)
      : entries_(capacity),
        free_(capacity),
        index_(indexSlots(capacity)),
        mask_(static_cast<uint32_t>(indexSlots(capacity) - 1)),
        embryonic_(ringSize(capacity)),
        seed_(seed) {
    for (uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;
    freeTop_ = capacity;
  }

  // Bytes a table of `capacity` connections allocates (entries, free
  // list, index, embryonic ring). Thread-safe.
  static uint64_t footprintBytes(uint32_t capacity) {
    return uint64_t{capacity} * (sizeof(Entry) + sizeof(uint32_t)) + indexSlots(capacity) * sizeof(Slot) +
           uint64_t{ringSize(capacity)} * sizeof(Ref);
  }

  // Embryonic connections the eviction ring remembers (a quarter of the
  // capacity, rounded up to a power of two).
  uint32_t embryonicRecords() const { return static_cast<uint32_t>(embryonic_.size()); }

  uint32_t capacity() const { return static_cast<uint32_t>(entries_.size()); }
  uint32_t size() const { return capacity() - freeTop_; }

  // Finds the entry whose client tuple or reply tuple is the packet's.
  Hit lookup(const A& src, uint16_t sport, const A& dst, uint16_t dport, uint8_t proto) {
    const uint32_t h = hash(src, sport, dst, dport, proto);
    for (uint32_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot s = index_[i];
      if (s.ref == 0) return {nullptr, false};
      if (s.hash != h) continue;
      Entry& e = entries_[(s.ref >> 1) - 1];
      const bool reply = s.ref & 1;
      if (e.proto != proto) continue;
      if (!reply && e.client == src && e.clientPort == sport && e.vip == dst && e.vipPort == dport)
        return {&e, false};
      if (reply && e.rs == src && e.rsPort == sport && e.client == dst && e.clientPort == dport) return {&e, true};
    }
  }

  // Burst prefetch, for a packet a few places ahead of the one being
  // looked up: prefetchIndex starts loading the index line of a tuple's
  // hash; prefetchEntry, called later for the same hash, reads that line
  // (loaded by then) and starts loading the entry its home slot names.
  // Neither changes anything; a wrong guess only costs a wasted load.
  void prefetchIndex(uint32_t h) const { prefetchLine(&index_[h & mask_]); }
  void prefetchEntry(uint32_t h) const {
    const Slot s = index_[h & mask_];
    if (s.ref != 0 && s.hash == h) prefetchLine(&entries_[(s.ref >> 1) - 1]);
  }

  // Inserts a connection; indexes its reply tuple too when `nat`. Evicts the
  // oldest embryonic connection when full (reported through onEvict, which
  // must release what the caller accounts for it). nullptr when nothing
  // could be freed.
  template <class OnEvict>
  Entry* insert(const A& client, uint16_t cport, const A& vip, uint16_t vport, const A& rs, uint16_t rsport,
                uint8_t proto, bool nat, OnEvict&& onEvict) {
    if (freeTop_ == 0) {
      Entry* victim = oldestEmbryonic();
      if (victim == nullptr) return nullptr;
      onEvict(*victim);
      erase(*victim);
      prefetchNextVictims();
    }
    const uint32_t idx = free_[--freeTop_];
    Entry& e = entries_[idx];
    const uint32_t gen = e.generation + 1;
    e = Entry{};
    e.generation = gen;
    e.client = client;
    e.clientPort = cport;
    e.vip = vip;
    e.vipPort = vport;
    e.rs = rs;
    e.rsPort = rsport;
    e.proto = proto;
    e.flags = kConnInUse | (nat ? kConnNat : 0);
    e.hashIn = hash(client, cport, vip, vport, proto);
    place(e.hashIn, ((idx + 1) << 1));
    if (nat) {
      e.hashOut = hash(rs, rsport, client, cport, proto);
      place(e.hashOut, ((idx + 1) << 1) | 1);
    }
    return &e;
  }

  // Gives an entry its client's port (an FTP passive data entry made
  // before the client connected, with port 0): both tuples are indexed
  // anew. The caller has checked that no entry has the new tuple.
  void rebindClientPort(Entry& e, uint16_t cport) {
    const uint32_t idx = indexOf(e);
    unplace(e.hashIn, (idx + 1) << 1);
    if (e.flags & kConnNat) unplace(e.hashOut, ((idx + 1) << 1) | 1);
    e.clientPort = cport;
    e.hashIn = hash(e.client, cport, e.vip, e.vipPort, e.proto);
    place(e.hashIn, (idx + 1) << 1);
    if (e.flags & kConnNat) {
      e.hashOut = hash(e.rs, e.rsPort, e.client, cport, e.proto);
      place(e.hashOut, ((idx + 1) << 1) | 1);
    }
  }

  // Records that `e` is embryonic now (new TCP connection): a candidate for
  // eviction when the table is full.
  void markEmbryonic(const Entry& e) {
    if (embryonicTail_ - embryonicHead_ == embryonic_.size()) ++embryonicHead_;  // forget the oldest record
    embryonic_[embryonicTail_++ & (embryonic_.size() - 1)] = Ref{indexOf(e), e.generation};
  }

  // Removes an entry from the index and frees it.
  void erase(Entry& e) {
    const uint32_t idx = indexOf(e);
    unplace(e.hashIn, (idx + 1) << 1);
    if (e.flags & kConnNat) unplace(e.hashOut, ((idx + 1) << 1) | 1);
    e.flags = 0;
    free_[freeTop_++] = idx;
  }

  // Visits up to `budget` entries from where the last sweep stopped and
  // erases those expired at `now`, calling onExpire first. Returns how many
  // were erased.
  template <class OnExpire>
  uint32_t sweep(uint32_t now, uint32_t budget, OnExpire&& onExpire) {
    uint32_t erased = 0;
    const uint32_t n = capacity();
    for (uint32_t k = 0; k < budget && n != 0; ++k) {
      Entry& e = entries_[cursor_];
      cursor_ = cursor_ + 1 == n ? 0 : cursor_ + 1;
      if ((e.flags & kConnInUse) && clockPassed(now, e.expires) && e.controlled == 0) {
        onExpire(e);
        erase(e);
        ++erased;
      }
    }
    return erased;
  }

  // The entry a template reference (1 + index) names, if still in use.
  Entry* byRef(uint32_t ref) {
    if (ref == 0 || ref > capacity()) return nullptr;
    Entry& e = entries_[ref - 1];
    return (e.flags & kConnInUse) ? &e : nullptr;
  }

  uint32_t refOf(const Entry& e) const { return indexOf(e) + 1; }

  // Visits the entries in use among slots [from, from + budget) while visit
  // returns true; returns the first slot not visited (capacity() at the
  // end). For bounded listings.
  template <class Visit>
  uint32_t visitFrom(uint32_t from, uint32_t budget, Visit&& visit) const {
    const uint32_t end = capacity() - from < budget ? capacity() : from + budget;
    for (uint32_t i = from; i < end; ++i) {
      if ((entries_[i].flags & kConnInUse) && !visit(entries_[i])) return i;
    }
    return end;
  }

  uint32_t hash(const A& src, uint16_t sport, const A& dst, uint16_t dport, uint8_t proto) const {
    uint64_t x = src.hashWord() * 0x9E3779B97F4A7C15ull;
    x ^= dst.hashWord() + 0xC2B2AE3D27D4EB4Full + (x << 6) + (x >> 2);
    x ^= (uint64_t{sport} << 24 | uint64_t{dport} << 8 | proto) ^ seed_;
    return static_cast<uint32_t>(finalMix(x));
  }

 private:
  struct Slot {
    uint32_t hash;
    uint32_t ref;  // (1 + entry index) << 1 | reply-tuple bit; 0 = empty
  };
  struct Ref {
    uint32_t index;
    uint32_t generation;
  };

  static uint32_t ringSize(uint32_t capacity) {
    uint32_t n = 16;
    while (n < capacity / 4) n <<= 1;
    return n;
  }

  // Two tuples per NAT entry at a load of at most 3/4, a power of two.
  static uint64_t indexSlots(uint32_t capacity) {
    uint64_t slots = 16;
    while (slots < uint64_t{capacity} * 8 / 3) slots <<= 1;
    return slots;
  }

  uint32_t indexOf(const Entry& e) const { return static_cast<uint32_t>(&e - entries_.data()); }

  void place(uint32_t h, uint32_t ref) {
    uint32_t i = h & mask_;
    while (index_[i].ref != 0) i = (i + 1) & mask_;
    index_[i] = Slot{h, ref};
  }

  // Backward-shift deletion keeps probe chains intact without tombstones.
  void unplace(uint32_t h, uint32_t ref) {
    uint32_t i = h & mask_;
    while (index_[i].ref != ref) i = (i + 1) & mask_;
    uint32_t hole = i;
    for (uint32_t j = (hole + 1) & mask_; index_[j].ref != 0; j = (j + 1) & mask_) {
      const uint32_t home = index_[j].hash & mask_;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const bool homeBetween = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!homeBetween) {
        index_[hole] = index_[j];
        hole = j;
      }
    }
    index_[hole] = Slot{0, 0};
  }

  // A full table evicts one entry per insert, in ring order, and each
  // eviction misses the cache three times (the entry, then the index lines
  // of its two tuples). Look ahead: start loading the entry two places
  // ahead in the ring, and the index lines of the next one (whose entry
  // the previous insert started loading).
  void prefetchNextVictims() const {
    const uint64_t ring = embryonic_.size() - 1;
    if (embryonicTail_ - embryonicHead_ < 2) return;
    prefetchLine(&entries_[embryonic_[(embryonicHead_ + 1) & ring].index]);
    const Entry& next = entries_[embryonic_[embryonicHead_ & ring].index];
    prefetchLine(&index_[next.hashIn & mask_]);
    if (next.flags & kConnNat) prefetchLine(&index_[next.hashOut & mask_]);
  }

  Entry* oldestEmbryonic() {
    while (embryonicHead_ != embryonicTail_) {
      const Ref r = embryonic_[embryonicHead_++ & (embryonic_.size() - 1)];
      Entry& e = entries_[r.index];
      if ((e.flags & kConnInUse) && e.generation == r.generation && isEmbryonicState(e.state) &&
          e.controlled == 0)
        return &e;
    }
    return nullptr;
  }

  HugeArray<Entry> entries_;
  std::vector<uint32_t> free_;
  uint32_t freeTop_ = 0;  // free_[0 .. freeTop_) are free entry indices
  HugeArray<Slot> index_;
  uint32_t mask_ = 0;
  std::vector<Ref> embryonic_;
  uint64_t embryonicHead_ = 0;
  uint64_t embryonicTail_ = 0;
  uint32_t cursor_ = 0;
  uint32_t seed_;
};

}  // namespace sluice::dp
