/*
 * udp_batch: a UDP socket for the load engine that moves datagrams in batches (Linux recvmmsg/sendmmsg), polled
 * by libuv (uv_poll) on the caller's event loop. One JS call per received batch instead of one per datagram, and
 * one sendmmsg per flush of the datagrams staged by JS, instead of node:dgram's per-datagram callback, rinfo
 * object, SendWrap and syscall.
 *
 * Memory is shared with JS, set once at create():
 *   recvArena  RECV_BATCH slots of SLOT bytes; datagram i of a batch is at i*SLOT (valid during the callback only)
 *   recvMeta   Uint32Array, META words per datagram: length, port, family (4|6), address (4 words, network
 *              order bytes), flags (1 = truncated), age (µs between the kernel's receive timestamp, SO_TIMESTAMPNS,
 *              and the read; 0 when the kernel gave none), so that JS can time arrivals exactly whatever the
 *              batching delayed
 *   sendArena  the datagrams JS staged, back to back
 *   sendMeta   Uint32Array, META words per staged datagram: offset, length, port (0: the connected peer), family,
 *              address (4 words)
 *   status     Int32Array [sent, errors, errno of the last error]: set by flush()
 * onRecv(n) is called with the batch size, or with -errno for a socket error (e.g. ECONNREFUSED after an ICMP
 * port unreachable on a connected socket); onWritable() when a flush that hit EAGAIN may be retried.
 * With coalesceMs > 0, while the socket is busy (>= BUSY_PER_MS datagrams/ms), reading pauses that long after each readiness
 * event (a one-shot uv timer), so it is read about once per coalesceMs in large batches rather than woken for every
 * datagram; the price is up to ~coalesceMs+1 of added turnaround, far below SIP's T1 (500 ms). Arrival times stay
 * exact through the age word.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8 /* napi_add_async_cleanup_hook: Node >= 14.10 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define SLOT 65536
#define RECV_BATCH 64
#define SEND_BATCH 256
#define META 10
/* recvmmsg rounds per readiness event before yielding to the rest of the event loop (timers). */
#define MAX_ROUNDS 4
/* Read coalescing engages from this many datagrams per ms (2 ≈ 700 calls/s of INVITE/180/200/ACK/BYE/200). */
#define BUSY_PER_MS 2

typedef struct {
  int fd;
  int family;
  int closing;
  int finalized;
  int closed;
  int events;
  napi_env env;
  uv_poll_t poll;
  /* Read coalescing: after a readiness event, reading pauses for coalesce_ms so that the datagrams of the next
   * millisecond are taken in one batch (one wakeup, one JS call) instead of one wakeup each. */
  uv_timer_t timer;
  int coalesce_ms;
  int paused;
  int handles_open;
  napi_ref refs[7]; /* recvArena, recvMeta, sendArena, sendMeta, status, onRecv, onWritable */
  napi_ref resource;
  napi_ref close_cb;
  napi_async_context actx;
  /* Closes the handles when the environment goes away with the socket still open (a worker terminated). */
  napi_async_cleanup_hook_handle cleanup;
  int tearing_down;
  uint8_t *recv_arena;
  uint32_t *recv_meta;
  uint8_t *send_arena;
  size_t send_arena_len;
  uint32_t *send_meta;
  size_t send_meta_words;
  int32_t *status;
  struct mmsghdr rmsg[RECV_BATCH];
  struct iovec riov[RECV_BATCH];
  struct sockaddr_storage raddr[RECV_BATCH];
  char rctl[RECV_BATCH][CMSG_SPACE(sizeof(struct timespec))];
  /* Reads in the current window (see poll_cb): coalescing is engaged only while the socket is busy. */
  uint64_t win_start;
  uint32_t win_count;
  int busy;
  struct mmsghdr smsg[SEND_BATCH];
  struct iovec siov[SEND_BATCH];
  struct sockaddr_storage saddr[SEND_BATCH];
} sock_t;

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, NULL, "udp_batch: " #call " failed");                                                      \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_int32(env, err, &code);
  napi_create_error(env, NULL, message, &error);
  napi_set_named_property(env, error, "errno", code);
  napi_throw(env, error);
  return NULL;
}

static void *data_of(napi_env env, napi_value v, size_t *len) {
  bool is;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type t;
    size_t n;
    napi_value ab;
    size_t off;
    napi_get_typedarray_info(env, v, &t, &n, &data, &ab, &off);
    size_t el = (t == napi_uint32_array || t == napi_int32_array) ? 4 : 1;
    if (len) *len = n * el;
    return data;
  }
  return NULL;
}

static int to_sockaddr(int family, const char *host, int port, struct sockaddr_storage *ss, socklen_t *sl) {
  memset(ss, 0, sizeof *ss);
  if (family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) return EINVAL;
    *sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return EINVAL;
    *sl = sizeof *a;
  }
  return 0;
}

static void call_js(sock_t *s, int which, int argc, napi_value *argv) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, s->refs[which], &fn) == napi_ok && fn && napi_get_reference_value(env, s->resource, &recv) == napi_ok) {
    napi_status st = napi_make_callback(env, s->actx, recv, fn, argc, argv, &result);
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* Reads up to MAX_ROUNDS batches; returns 1 when the socket was drained (a short batch or EAGAIN), 0 when data may
 * be left (then the caller must not pause: a backlog is read at full speed). */
static int on_readable(sock_t *s) {
  for (int round = 0; round < MAX_ROUNDS && !s->closing; round++) {
    for (int i = 0; i < RECV_BATCH; i++) {
      s->riov[i].iov_base = s->recv_arena + (size_t)i * SLOT;
      s->riov[i].iov_len = SLOT;
      struct msghdr *h = &s->rmsg[i].msg_hdr;
      h->msg_name = &s->raddr[i];
      h->msg_namelen = sizeof s->raddr[i];
      h->msg_iov = &s->riov[i];
      h->msg_iovlen = 1;
      h->msg_control = s->rctl[i];
      h->msg_controllen = sizeof s->rctl[i];
      h->msg_flags = 0;
    }
    int n = recvmmsg(s->fd, s->rmsg, RECV_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
      if (errno == EINTR) continue;
      napi_handle_scope scope;
      napi_open_handle_scope(s->env, &scope);
      napi_value arg;
      napi_create_int32(s->env, -errno, &arg);
      call_js(s, 5, 1, &arg);
      napi_close_handle_scope(s->env, scope);
      continue; /* a pending ICMP error is cleared once reported */
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->win_count += n > 0 ? (uint32_t)n : 0;
    for (int i = 0; i < n; i++) {
      uint32_t *m = s->recv_meta + (size_t)i * META;
      m[0] = s->rmsg[i].msg_len;
      m[7] = (s->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) ? 1 : 0;
      m[8] = 0;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&s->rmsg[i].msg_hdr); c; c = CMSG_NXTHDR(&s->rmsg[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          int64_t age = (int64_t)(now.tv_sec - ts.tv_sec) * 1000000 + (now.tv_nsec - ts.tv_nsec) / 1000;
          m[8] = age <= 0 ? 0 : age > 0x7fffffff ? 0x7fffffff : (uint32_t)age;
        }
      }
      if (s->raddr[i].ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s->raddr[i];
        m[1] = ntohs(a->sin6_port);
        m[2] = 6;
        memcpy(&m[3], &a->sin6_addr, 16);
      } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&s->raddr[i];
        m[1] = ntohs(a->sin_port);
        m[2] = 4;
        memcpy(&m[3], &a->sin_addr, 4);
        m[4] = m[5] = m[6] = 0;
      }
    }
    if (n > 0) {
      napi_handle_scope scope;
      napi_open_handle_scope(s->env, &scope);
      napi_value arg;
      napi_create_int32(s->env, n, &arg);
      call_js(s, 5, 1, &arg);
      napi_close_handle_scope(s->env, scope);
    }
    if (n < RECV_BATCH) return 1;
  }
  return s->closing;
}

static void poll_cb(uv_poll_t *handle, int status, int events);

static void resume_cb(uv_timer_t *t) {
  sock_t *s = (sock_t *)t->data;
  if (s->closing) return;
  s->paused = 0;
  uv_poll_start(&s->poll, s->events, poll_cb);
}

static void poll_cb(uv_poll_t *handle, int status, int events) {
  sock_t *s = (sock_t *)handle->data;
  if (s->closing) return;
  if (status < 0) {
    /* A pending socket error (EPOLLERR, e.g. an ICMP port unreachable on a connected socket): libuv stopped the
     * handle and says UV_EBADF. Poll again, and let the next read report (and clear) the error. */
    if (!s->paused) uv_poll_start(&s->poll, s->events, poll_cb);
    events = UV_READABLE;
  }
  if (events & UV_WRITABLE) {
    s->events &= ~UV_WRITABLE;
    if (s->paused) uv_poll_stop(&s->poll);
    else uv_poll_start(&s->poll, s->events, poll_cb);
    call_js(s, 6, 0, NULL);
  }
  if (!s->closing && (events & UV_READABLE)) {
    int drained = on_readable(s);
    /* Busy: at least BUSY_PER_MS datagrams per ms over the last window of >= 10 ms. Below that, a pause saves
     * little CPU and only adds latency. A socket not drained (a backlog) is read again at once. */
    uint64_t t = uv_now(s->poll.loop);
    if (t - s->win_start >= 10) {
      s->busy = s->win_count >= BUSY_PER_MS * (t - s->win_start);
      s->win_start = t;
      s->win_count = 0;
    }
    if (!s->closing && drained && s->coalesce_ms > 0 && s->busy && !s->paused) {
      s->paused = 1;
      if (s->events & UV_WRITABLE) uv_poll_start(&s->poll, UV_WRITABLE, poll_cb);
      else uv_poll_stop(&s->poll);
      uv_timer_start(&s->timer, resume_cb, (uint64_t)s->coalesce_ms, 0);
    }
  }
}

static void free_sock(sock_t *s) {
  free(s);
}

static void finalize(napi_env env, void *data, void *hint) {
  sock_t *s = (sock_t *)data;
  (void)env;
  (void)hint;
  s->finalized = 1;
  if (s->closed) free_sock(s);
  /* Otherwise the socket is still open: it is freed when close() completes (the JS wrapper always closes). */
}

static sock_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "udp_batch: not a socket");
    return NULL;
  }
  return (sock_t *)p;
}

/* create(family, host, port, rcvbuf, sndbuf, recvArena, recvMeta, sendArena, sendMeta, status, onRecv, onWritable, resource, coalesceMs)
 *   → [handle, boundPort, rcvbuf, sndbuf] */
static void cleanup_hook(napi_async_cleanup_hook_handle handle, void *arg);

static napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 14) {
    napi_throw_type_error(env, NULL, "udp_batch.create: 14 arguments");
    return NULL;
  }
  int32_t family, port, rcvbuf, sndbuf, coalesce;
  CHECK(napi_get_value_int32(env, argv[13], &coalesce));
  char host[64];
  size_t hl;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  CHECK(napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hl));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  CHECK(napi_get_value_int32(env, argv[3], &rcvbuf));
  CHECK(napi_get_value_int32(env, argv[4], &sndbuf));
  size_t ra_len = 0, rm_len = 0, sa_len = 0, sm_len = 0, st_len = 0;
  uint8_t *ra = data_of(env, argv[5], &ra_len);
  uint32_t *rm = data_of(env, argv[6], &rm_len);
  uint8_t *sa = data_of(env, argv[7], &sa_len);
  uint32_t *sm = data_of(env, argv[8], &sm_len);
  int32_t *st = data_of(env, argv[9], &st_len);
  if (!ra || ra_len < (size_t)RECV_BATCH * SLOT || !rm || rm_len < RECV_BATCH * META * 4 || !sa || !sm || sm_len < SEND_BATCH * META * 4 || !st || st_len < 12) {
    napi_throw_range_error(env, NULL, "udp_batch.create: shared buffers too small");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t sl;
  if (to_sockaddr(family, host, port, &ss, &sl)) return throw_errno(env, "bad local address", EINVAL);
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (sndbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e);
  }
  struct sockaddr_storage bound;
  socklen_t bl = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bl);
  int bport = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port) : ntohs(((struct sockaddr_in *)&bound)->sin_port);
  int r = 0, w = 0;
  socklen_t il = sizeof r;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &r, &il);
  il = sizeof w;
  getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &w, &il);

  sock_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  s->fd = fd;
  s->family = family;
  s->env = env;
  s->recv_arena = ra;
  s->recv_meta = rm;
  s->send_arena = sa;
  s->send_arena_len = sa_len;
  s->send_meta = sm;
  s->send_meta_words = sm_len / 4;
  s->status = st;
  for (int i = 0; i < 7; i++) napi_create_reference(env, argv[5 + i], 1, &s->refs[i]);
  napi_create_reference(env, argv[12], 1, &s->resource);
  napi_value name;
  napi_create_string_utf8(env, "SIPCONF_UDP_BATCH", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, argv[12], name, &s->actx);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init_socket(loop, &s->poll, fd);
  s->poll.data = s;
  uv_timer_init(loop, &s->timer);
  s->timer.data = s;
  s->coalesce_ms = coalesce > 0 ? coalesce : 0;
  s->handles_open = 2;
  napi_add_async_cleanup_hook(env, cleanup_hook, s, &s->cleanup);
  s->events = UV_READABLE;
  uv_poll_start(&s->poll, s->events, poll_cb);

  napi_value out, h, v;
  CHECK(napi_create_array_with_length(env, 4, &out));
  CHECK(napi_create_external(env, s, finalize, NULL, &h));
  napi_set_element(env, out, 0, h);
  napi_create_int32(env, bport, &v);
  napi_set_element(env, out, 1, v);
  napi_create_int32(env, r, &v);
  napi_set_element(env, out, 2, v);
  napi_create_int32(env, w, &v);
  napi_set_element(env, out, 3, v);
  return out;
}

/* connect(handle, host, port) → 0 or errno */
static napi_value Connect(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  char host[64];
  size_t hl;
  int32_t port;
  CHECK(napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hl));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  struct sockaddr_storage ss;
  socklen_t sl;
  int e = to_sockaddr(s->family, host, port, &ss, &sl);
  if (!e && connect(s->fd, (struct sockaddr *)&ss, sl) < 0) e = errno;
  napi_create_int32(env, e, &out);
  return out;
}

/* flush(handle, count): sends staged datagrams [0, count); status = [processed, errors, last errno]. Stops early
 * (processed < count) only on EAGAIN; a datagram refused for any other reason is counted in errors and skipped. */
static napi_value Flush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  int32_t count;
  CHECK(napi_get_value_int32(env, argv[1], &count));
  if (count < 0 || (size_t)count * META > s->send_meta_words) count = (int32_t)(s->send_meta_words / META);
  int done = 0, errors = 0, last = 0;
  while (done < count && !s->closing) {
    int n = count - done;
    if (n > SEND_BATCH) n = SEND_BATCH;
    for (int i = 0; i < n; i++) {
      const uint32_t *m = s->send_meta + (size_t)(done + i) * META;
      struct msghdr *h = &s->smsg[i].msg_hdr;
      uint32_t off = m[0], len = m[1];
      if ((size_t)off + len > s->send_arena_len) len = 0;
      s->siov[i].iov_base = s->send_arena + off;
      s->siov[i].iov_len = len;
      h->msg_iov = &s->siov[i];
      h->msg_iovlen = 1;
      h->msg_control = NULL;
      h->msg_controllen = 0;
      h->msg_flags = 0;
      if (m[2] == 0) {
        h->msg_name = NULL;
        h->msg_namelen = 0;
      } else if (m[3] == 6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s->saddr[i];
        memset(a, 0, sizeof *a);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)m[2]);
        memcpy(&a->sin6_addr, &m[4], 16);
        h->msg_name = a;
        h->msg_namelen = sizeof *a;
      } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&s->saddr[i];
        memset(a, 0, sizeof *a);
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)m[2]);
        memcpy(&a->sin_addr, &m[4], 4);
        h->msg_name = a;
        h->msg_namelen = sizeof *a;
      }
    }
    int sent = sendmmsg(s->fd, s->smsg, (unsigned)n, MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        if (!(s->events & UV_WRITABLE)) {
          s->events |= UV_WRITABLE;
          uv_poll_start(&s->poll, s->paused ? UV_WRITABLE : s->events, poll_cb);
        }
        break;
      }
      /* The first datagram was refused: count it and go on with the next. */
      last = errno;
      errors++;
      done++;
      continue;
    }
    done += sent;
  }
  s->status[0] = done;
  s->status[1] = errors;
  s->status[2] = last;
  return NULL;
}

/* ntop(family, u32 words...) helpers live in JS for IPv4; IPv6 text goes through here. */
static napi_value Ntop6(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t len = 0;
  uint8_t *p = data_of(env, argv[0], &len);
  if (!p || len < 16) {
    napi_throw_type_error(env, NULL, "udp_batch.ntop6: 16 bytes");
    return NULL;
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, p, buf, sizeof buf);
  CHECK(napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &out));
  return out;
}

/* pton(family, host, out16) → true when host is an address of that family (written into out16) */
static napi_value Pton(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family;
  char host[64];
  size_t hl;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  CHECK(napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hl));
  size_t len = 0;
  uint8_t *p = data_of(env, argv[2], &len);
  int ok = p && len >= 16 && inet_pton(family == 6 ? AF_INET6 : AF_INET, host, p) == 1;
  napi_get_boolean(env, ok, &out);
  return out;
}

static void on_closed(uv_handle_t *handle) {
  sock_t *s = (sock_t *)handle->data;
  if (--s->handles_open > 0) return;
  napi_env env = s->env;
  if (s->tearing_down) {
    /* Environment teardown: no JS, no references to release (the env frees them); only the fd, then tell Node
     * the async cleanup is done. The sock_t is leaked only if its external was never finalized. */
    close(s->fd);
    s->fd = -1;
    s->closed = 1;
    napi_remove_async_cleanup_hook(s->cleanup);
    if (s->finalized) free_sock(s);
    return;
  }
  napi_remove_async_cleanup_hook(s->cleanup);
  close(s->fd);
  s->fd = -1;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn = NULL, recv = NULL, result;
  if (s->close_cb) napi_get_reference_value(env, s->close_cb, &fn);
  napi_get_reference_value(env, s->resource, &recv);
  if (fn && recv) {
    napi_status st = napi_make_callback(env, s->actx, recv, fn, 0, NULL, &result);
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
  napi_async_destroy(env, s->actx);
  for (int i = 0; i < 7; i++) napi_delete_reference(env, s->refs[i]);
  napi_delete_reference(env, s->resource);
  if (s->close_cb) napi_delete_reference(env, s->close_cb);
  s->closed = 1;
  if (s->finalized) free_sock(s);
}

static void cleanup_hook(napi_async_cleanup_hook_handle handle, void *arg) {
  sock_t *s = (sock_t *)arg;
  (void)handle;
  if (s->closing) return; /* close() is under way: on_closed removes the hook */
  s->closing = 1;
  s->tearing_down = 1;
  uv_poll_stop(&s->poll);
  uv_timer_stop(&s->timer);
  uv_close((uv_handle_t *)&s->poll, on_closed);
  uv_close((uv_handle_t *)&s->timer, on_closed);
}

/* close(handle, callback): stops polling, closes the fd; callback() once done. */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  if (s->closing) return NULL;
  s->closing = 1;
  napi_create_reference(env, argv[1], 1, &s->close_cb);
  uv_poll_stop(&s->poll);
  uv_timer_stop(&s->timer);
  uv_close((uv_handle_t *)&s->poll, on_closed);
  uv_close((uv_handle_t *)&s->timer, on_closed);
  return NULL;
}

/* ref(handle, bool): whether the socket keeps the event loop alive. */
static napi_value Ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  bool on;
  CHECK(napi_get_value_bool(env, argv[1], &on));
  if (!s->closing) {
    if (on) {
      uv_ref((uv_handle_t *)&s->poll);
      uv_ref((uv_handle_t *)&s->timer);
    } else {
      uv_unref((uv_handle_t *)&s->poll);
      uv_unref((uv_handle_t *)&s->timer);
    }
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"create", Create}, {"connect", Connect}, {"flush", Flush}, {"close", Close}, {"ref", Ref}, {"ntop6", Ntop6}, {"pton", Pton}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  napi_value v;
  napi_create_int32(env, SLOT, &v);
  napi_set_named_property(env, exports, "SLOT", v);
  napi_create_int32(env, RECV_BATCH, &v);
  napi_set_named_property(env, exports, "RECV_BATCH", v);
  napi_create_int32(env, SEND_BATCH, &v);
  napi_set_named_property(env, exports, "SEND_BATCH", v);
  napi_create_int32(env, META, &v);
  napi_set_named_property(env, exports, "META", v);
  return exports;
}
