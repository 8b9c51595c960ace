/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ember.multiprocessing._descriptor_server: hands the descriptors of this
 * process's shared tensors to the processes that receive them (the
 * file_descriptor strategy). A message carries (address, id); the receiver
 * asks this server for the id over a connection it keeps, and gets the
 * descriptor by SCM_RIGHTS.
 *
 * The server is a thread of its own in C, so it answers at once even while
 * this process's Python code holds the GIL (multiprocessing's resource
 * sharer needs the GIL, a new connection and an HMAC handshake for each
 * descriptor). Its address is abstract (no file); a peer of another user is
 * refused. A forked child starts its own server on first use.
 */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
  uint64_t id;
  int fd; /* our duplicate, closed once handed over */
} Offer;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Offer* offers;
static size_t n_offers, offers_capacity;
static uint64_t next_id = 1;
/* the listening socket and the peers' connections: polled by the server
   thread, closed by a forked child (which has no server thread) */
static struct pollfd* polled;
static size_t n_polled, polled_capacity;
static pid_t server_pid; /* the process whose thread serves; 0: none */
static char address[64];

static int grow(void** array, size_t* capacity, size_t needed, size_t item) {
  if (needed <= *capacity) return 0;
  size_t capacity2 = *capacity ? *capacity * 2 : 16;
  void* p = realloc(*array, capacity2 * item);
  if (p == NULL) return -1;
  *array = p;
  *capacity = capacity2;
  return 0;
}

/* The descriptor offered as id, removed from the offers; -1 if none. */
static int take(uint64_t id) {
  int fd = -1;
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < n_offers; ++i) {
    if (offers[i].id == id) {
      fd = offers[i].fd;
      offers[i] = offers[--n_offers];
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  return fd;
}

/* Answers one request on conn: one byte (1: here it is, 0: unknown id),
   with the descriptor attached. Returns -1 when conn is done. */
static int answer(int conn) {
  uint64_t id;
  ssize_t n = recv(conn, &id, sizeof id, 0);
  if (n != (ssize_t)sizeof id) return -1;
  int fd = take(id);
  char found = fd >= 0;
  struct iovec iov = {&found, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t sent = sendmsg(conn, &msg, MSG_NOSIGNAL);
  if (fd >= 0) close(fd);
  return sent == 1 ? 0 : -1;
}

static int same_user(int conn) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  return getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
         cred.uid == getuid();
}

static void* serve(void* unused) {
  (void)unused;
  for (;;) {
    pthread_mutex_lock(&lock);
    size_t n = n_polled;
    struct pollfd watch[n];
    memcpy(watch, polled, n * sizeof *watch);
    pthread_mutex_unlock(&lock);
    if (poll(watch, n, -1) < 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    for (size_t i = 0; i < n; ++i) {
      if (!watch[i].revents) continue;
      int fd = watch[i].fd;
      if (i == 0) { /* the listener */
        int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) continue;
        pthread_mutex_lock(&lock);
        int added = same_user(conn) &&
                    grow((void**)&polled, &polled_capacity, n_polled + 1,
                         sizeof *polled) == 0;
        if (added) polled[n_polled++] = (struct pollfd){conn, POLLIN, 0};
        pthread_mutex_unlock(&lock);
        if (!added) close(conn);
      } else if (answer(fd) != 0) {
        pthread_mutex_lock(&lock);
        for (size_t j = 1; j < n_polled; ++j) {
          if (polled[j].fd == fd) {
            polled[j] = polled[--n_polled];
            break;
          }
        }
        pthread_mutex_unlock(&lock);
        close(fd);
      }
    }
  }
}

/* Starts this process's server if it has none. Called with lock held. */
static int start_locked(void) {
  if (server_pid == getpid()) return 0;
  uint64_t token = 0;
  if (getrandom(&token, sizeof token, 0) != (ssize_t)sizeof token)
    token ^= (uint64_t)(uintptr_t)&token ^ (uint64_t)getpid() << 32;
  int len = snprintf(address, sizeof address, "ember-fd-%d-%016llx",
                     (int)getpid(), (unsigned long long)token);
  int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listener < 0) return -1;
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path + 1, address, (size_t)len); /* abstract: leading NUL */
  socklen_t sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
  if (bind(listener, (struct sockaddr*)&sa, sa_len) != 0 ||
      listen(listener, 128) != 0 ||
      grow((void**)&polled, &polled_capacity, 1, sizeof *polled) != 0) {
    int saved = errno;
    close(listener);
    errno = saved;
    return -1;
  }
  polled[0] = (struct pollfd){listener, POLLIN, 0};
  n_polled = 1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int err = pthread_create(&thread, &attr, serve, NULL);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    close(listener);
    n_polled = 0;
    errno = err;
    return -1;
  }
  server_pid = getpid();
  return 0;
}

PyDoc_STRVAR(offer_doc,
             "offer(fd) -> (address, id)\n\n"
             "Keeps a duplicate of fd until a receiver asks for `id` at "
             "`address` (this process's server, started on first use).");

static PyObject* offer(PyObject* self, PyObject* arg) {
  (void)self;
  int fd = PyLong_AsLong(arg);
  if (fd == -1 && PyErr_Occurred()) return NULL;
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return PyErr_SetFromErrno(PyExc_OSError);
  pthread_mutex_lock(&lock);
  if (start_locked() != 0 ||
      grow((void**)&offers, &offers_capacity, n_offers + 1, sizeof *offers) != 0) {
    int saved = errno ? errno : ENOMEM;
    pthread_mutex_unlock(&lock);
    close(copy);
    errno = saved;
    return PyErr_SetFromErrno(PyExc_OSError);
  }
  uint64_t id = next_id++;
  offers[n_offers++] = (Offer){id, copy};
  PyObject* result = Py_BuildValue("(sK)", address, (unsigned long long)id);
  pthread_mutex_unlock(&lock);
  return result;
}

static PyObject* pending(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  pthread_mutex_lock(&lock);
  size_t n = server_pid == getpid() ? n_offers : 0;
  pthread_mutex_unlock(&lock);
  return PyLong_FromSize_t(n);
}

/* Fork: no thread is inside the tables; the child has no server thread,
   so it closes its copies of the parent's sockets and offers (a peer of the
   parent must see EOF when the parent dies). */
static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork_in_parent(void) { pthread_mutex_unlock(&lock); }
static void after_fork_in_child(void) {
  if (server_pid != 0) {
    for (size_t i = 0; i < n_polled; ++i) close(polled[i].fd);
    for (size_t i = 0; i < n_offers; ++i) close(offers[i].fd);
  }
  n_polled = n_offers = 0;
  server_pid = 0;
  pthread_mutex_unlock(&lock);
}

static PyMethodDef methods[] = {
    {"offer", offer, METH_O, offer_doc},
    {"pending", pending, METH_NOARGS,
     "pending() -> descriptors offered and not yet taken"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_descriptor_server",
    "Hands shared tensors' descriptors to receiving processes.", -1, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__descriptor_server(void) {
  static int fork_handlers_installed = 0;
  if (!fork_handlers_installed) {
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    fork_handlers_installed = 1;
  }
  return PyModule_Create(&module);
}
