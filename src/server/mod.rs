//! Listeners, the per-worker epoll loop, connections and sending files.
