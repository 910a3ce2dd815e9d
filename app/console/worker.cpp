#include "app/console/worker.hpp"

#include "app/console/worker_session.hpp"

namespace craftsync::console {

Worker::Worker(WorkerOptions options) : options_(std::move(options)), channel_(options_.wake) {}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    WorkerSession session(options_, channel_);
    session.run();
  });
}

void Worker::send_all(Commands& commands) {
  for (auto& c : commands.items()) channel_.send(std::move(c));
  commands.clear();
}

void Worker::stop() {
  channel_.request_stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace craftsync::console
