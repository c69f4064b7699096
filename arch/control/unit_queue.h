#pragma once
/// A bounded in-order instruction queue between the controller and a unit. The controller
/// blocks when it is full, so the program is pulled lazily and memory stays bounded.
#include <deque>

#include <systemc>

#include "arch/isa/isa.h"

namespace tpusim::arch {

class UnitQueue {
 public:
  explicit UnitQueue(size_t capacity = 64) : capacity_(capacity) {}

  void push(const Instr& i) {
    while (q_.size() >= capacity_) sc_core::wait(popped_);
    q_.push_back(i);
    pushed_.notify(sc_core::SC_ZERO_TIME);
  }
  Instr pop() {
    while (q_.empty()) sc_core::wait(pushed_);
    Instr i = q_.front();
    q_.pop_front();
    popped_.notify(sc_core::SC_ZERO_TIME);
    return i;
  }
  bool empty() const { return q_.empty(); }
  size_t capacity() const { return capacity_; }
  /// Sets the depth (before the simulation starts: /core/queue_depth).
  void set_capacity(size_t capacity) { capacity_ = capacity; }

 private:
  size_t capacity_;
  std::deque<Instr> q_;
  sc_core::sc_event pushed_, popped_;
};

}  // namespace tpusim::arch
