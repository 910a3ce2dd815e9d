#pragma once
// Error types shared by the engine and the server.

#include <stdexcept>

namespace craftsync {

/// A transient failure (a busy database, a broken connection): the operation may be retried.
class TransientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An edit the user asked for that cannot be done (bad value, unknown record). One line.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace craftsync
