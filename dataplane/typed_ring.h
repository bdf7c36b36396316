// A DPDK ring that carries one message type by value. Messages between the
// control plane and the workers are typed structs (or mbuf and snapshot
// pointers), never (code, void*, len) triples.
#pragma once

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace sluice::dp {

enum class RingUse : unsigned {
  kSingleToSingle = RING_F_SP_ENQ | RING_F_SC_DEQ,
  kManyToSingle = RING_F_SC_DEQ,
};

template <class T>
class TypedRing {
  static_assert(std::is_trivially_copyable_v<T>, "ring messages are copied as bytes");
  static_assert(sizeof(T) % 4 == 0, "rte_ring elements are multiples of 4 bytes");

 public:
  // count: a power of two; the ring holds count - 1 messages. Throws with
  // DPDK's reason when the ring cannot be made (control path only).
  TypedRing(const std::string& name, unsigned count, RingUse use) {
    ring_ = rte_ring_create_elem(name.c_str(), sizeof(T), count, SOCKET_ID_ANY, static_cast<unsigned>(use));
    if (ring_ == nullptr) {
      throw std::runtime_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
    }
  }
  ~TypedRing() { rte_ring_free(ring_); }
  TypedRing(const TypedRing&) = delete;
  TypedRing& operator=(const TypedRing&) = delete;

  // DPDK takes the source as non-const void* but only reads it.
  bool push(const T& v) { return rte_ring_enqueue_elem(ring_, const_cast<T*>(&v), sizeof(T)) == 0; }
  // Pushes as many of v[0..n) as fit; returns how many.
  unsigned pushBurst(const T* v, unsigned n) {
    return rte_ring_enqueue_burst_elem(ring_, const_cast<T*>(v), sizeof(T), n, nullptr);
  }
  bool pop(T& v) { return rte_ring_dequeue_elem(ring_, &v, sizeof(T)) == 0; }
  unsigned popBurst(T* v, unsigned n) { return rte_ring_dequeue_burst_elem(ring_, v, sizeof(T), n, nullptr); }
  unsigned freeCount() const { return rte_ring_free_count(ring_); }
  bool empty() const { return rte_ring_empty(ring_) != 0; }
  unsigned size() const { return rte_ring_count(ring_); }

 private:
  rte_ring* ring_ = nullptr;
};

}  // namespace sluice::dp
