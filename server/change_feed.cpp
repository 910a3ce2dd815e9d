#include "server/change_feed.hpp"

#include <algorithm>

namespace craftsync::server {

ChangeFeed::Ticket ChangeFeed::subscribe(std::int64_t seen, Wake wake) {
  auto w = std::make_shared<Waiter>(Waiter{seen, std::move(wake)});
  {
    std::lock_guard lock(mu_);
    if (!closed_ && head_ <= seen) {
      waiters_.push_back(w);
      return w;
    }
  }
  w->wake();
  return w;
}

void ChangeFeed::advanced(std::int64_t head) {
  std::int64_t was = head_.load();
  while (was < head && !head_.compare_exchange_weak(was, head)) {
  }
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mu_);
    std::erase_if(waiters_, [&](const std::weak_ptr<Waiter>& weak) {
      auto w = weak.lock();
      if (!w) return true;
      if (w->seen >= head) return false;
      woken.push_back(std::move(w));
      return true;
    });
  }
  for (auto& w : woken) w->wake();
}

void ChangeFeed::close() {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& weak : waiters_)
      if (auto w = weak.lock()) woken.push_back(std::move(w));
    waiters_.clear();
  }
  for (auto& w : woken) w->wake();
}

std::size_t ChangeFeed::waiting() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(waiters_.begin(), waiters_.end(),
                                                [](const auto& weak) { return !weak.expired(); }));
}

}  // namespace craftsync::server
