#pragma once
// Apache ZooKeeper's multi-threaded C client (Debian: libzookeeper-mt-dev, which brings the
// runtime library libzookeeper-mt2). Built without OpenSSL or SASL, it needs only libc.
#include <zookeeper/zookeeper.h>
