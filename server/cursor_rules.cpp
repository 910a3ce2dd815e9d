#include "server/storage.hpp"

namespace craftsync::server {

void check_cursor(std::int64_t after, std::int64_t head, std::int64_t tombstone_horizon,
                  std::int64_t restore_horizon, std::int64_t restored_head) {
  if (after <= 0) return;  // a fresh snapshot can always start
  if (after < restore_horizon)
    throw ResyncRequired("restored",
                         "the server database was restored from a backup; re-snapshot from 0", head,
                         restored_head);
  if (after < tombstone_horizon)
    throw ResyncRequired("horizon",
                         "cursor is older than the tombstone horizon; re-snapshot from 0", head);
  if (after > head)
    throw ResyncRequired("ahead", "cursor is ahead of this server's change log; re-snapshot from 0",
                         head, head);
}

}  // namespace craftsync::server
