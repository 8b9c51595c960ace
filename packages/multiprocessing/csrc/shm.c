/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ember.multiprocessing._shm: shared-memory segments (an anonymous
 * memfd, or a named file in /dev/shm) mapped into this process and wrapped
 * as 1-D uint8 ember tensors through the core's C ABI. The tensor's deleter
 * unmaps the segment when the last storage over it dies in this process.
 *
 * One registry per process remembers the live mappings, so that a segment
 * received twice is mapped once and is_shared() is a lookup. A forked child
 * inherits the mappings and the registry; adopt() makes them its own.
 */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ember/abi.h"

#define NAME_CAPACITY 96
#define ADDRESS_CAPACITY 108 /* sun_path */
#define BUCKETS 4096

typedef struct Segment {
  void* addr;
  size_t length;  /* bytes mapped: whole pages */
  int64_t nbytes; /* bytes the storage tensors over it see */
  /* descriptor strategy, in the process that made the segment: the memfd,
     kept so the segment can be shared again; otherwise -1 */
  int fd;
  dev_t dev;
  ino_t ino;
  /* where the creator keeps its descriptor (descriptor strategy) */
  pid_t origin_pid;
  int origin_fd;
  /* file_system strategy: the shm name, the janitor's address and our
     connection to it (told "release" when this process lets go) */
  char name[NAME_CAPACITY];
  char janitor[ADDRESS_CAPACITY];
  int janitor_fd;
  pid_t owner; /* the process this bookkeeping belongs to */
  long uses;   /* live storages over the mapping in this process */
  struct Segment* next_by_addr;
  struct Segment* next_by_file;
} Segment;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static Segment* by_addr[BUCKETS];
static Segment* by_file[BUCKETS];

static size_t addr_bucket(const void* addr) {
  return ((uintptr_t)addr >> 12) % BUCKETS;
}
static size_t file_bucket(dev_t dev, ino_t ino) {
  return ((uint64_t)ino * 31u + (uint64_t)dev) % BUCKETS;
}

/* Callers hold registry_lock. */
static void registry_add(Segment* s) {
  size_t a = addr_bucket(s->addr), f = file_bucket(s->dev, s->ino);
  s->next_by_addr = by_addr[a];
  by_addr[a] = s;
  s->next_by_file = by_file[f];
  by_file[f] = s;
}

static void registry_remove(Segment* s) {
  Segment** p = &by_addr[addr_bucket(s->addr)];
  while (*p != s) p = &(*p)->next_by_addr;
  *p = s->next_by_addr;
  p = &by_file[file_bucket(s->dev, s->ino)];
  while (*p != s) p = &(*p)->next_by_file;
  *p = s->next_by_file;
}

static Segment* find_by_addr(const void* addr) {
  for (Segment* s = by_addr[addr_bucket(addr)]; s; s = s->next_by_addr)
    if (s->addr == addr) return s;
  return NULL;
}

static Segment* find_by_file(dev_t dev, ino_t ino) {
  for (Segment* s = by_file[file_bucket(dev, ino)]; s; s = s->next_by_file)
    if (s->dev == dev && s->ino == ino) return s;
  return NULL;
}

/* Registry consistency across fork: no thread may be inside it. */
static void lock_before_fork(void) { pthread_mutex_lock(&registry_lock); }
static void unlock_after_fork(void) { pthread_mutex_unlock(&registry_lock); }

static void tell_janitor(int fd, const char* verb, const char* name) {
  char message[NAME_CAPACITY + 16];
  int n = snprintf(message, sizeof message, "%s %s", verb, name);
  /* a dead janitor has nothing left to clean: ignore errors */
  (void)!send(fd, message, (size_t)n, MSG_NOSIGNAL);
}

/* The deleter of every storage over a segment (see wrap). */
static void release_segment(void* data, void* ctx) {
  (void)data;
  Segment* s = (Segment*)ctx;
  pthread_mutex_lock(&registry_lock);
  int last = --s->uses == 0;
  if (last) registry_remove(s);
  pthread_mutex_unlock(&registry_lock);
  if (!last) return;
  munmap(s->addr, s->length);
  if (s->fd >= 0) close(s->fd);
  if (s->name[0] && s->janitor_fd >= 0 && s->owner == getpid())
    tell_janitor(s->janitor_fd, "release", s->name);
  free(s);
}

/* A new reference to a 1-D uint8 tensor over s, which has already counted
   this use. Once the core holds the storage, its deleter gives the use
   back; only an allocation failure inside tensor_from_blob may leak it. */
static PyObject* wrap(Segment* s) {
  int64_t shape[1] = {s->nbytes};
  EmberDType u8 = {EMBER_TYPE_UINT, 8, 1};
  EmberTensor* handle = NULL;
  if (EMBER_API->tensor_from_blob(s->addr, 1, shape, NULL, u8,
                                  EMBER_DEVICE_CPU, 0, release_segment, s,
                                  &handle) != 0) {
    PyErr_Format(PyExc_RuntimeError, "wrapping shared memory as a tensor: %s",
                 EMBER_API->last_error());
    return NULL;
  }
  /* from here the handle owns the use: releasing it runs the deleter */
  PyObject* tensor = EMBER_API->tensor_to_pyobject(handle);
  EMBER_API->tensor_release(handle);
  if (tensor == NULL && !PyErr_Occurred())
    PyErr_Format(PyExc_RuntimeError, "%s", EMBER_API->last_error());
  return tensor;
}

static size_t page_rounded(int64_t nbytes) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t n = nbytes > 0 ? (size_t)nbytes : 1;
  return (n + page - 1) / page * page;
}

static int copy_text(char* dst, size_t capacity, const char* src,
                     const char* what) {
  if (src == NULL) {
    dst[0] = '\0';
    return 0;
  }
  if (strlen(src) >= capacity) {
    PyErr_Format(PyExc_ValueError, "%s is too long: %s", what, src);
    return -1;
  }
  strcpy(dst, src);
  return 0;
}

/* Maps fd (length bytes) and registers it with one use; NULL with an
   exception set on failure. Does not close fd. */
static Segment* map_segment(int fd, size_t length, int64_t nbytes,
                            const struct stat* st) {
  void* addr =
      mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    PyErr_SetFromErrno(PyExc_OSError);
    return NULL;
  }
  Segment* s = (Segment*)calloc(1, sizeof(Segment));
  if (s == NULL) {
    munmap(addr, length);
    PyErr_NoMemory();
    return NULL;
  }
  s->addr = addr;
  s->length = length;
  s->nbytes = nbytes;
  s->fd = -1;
  s->dev = st->st_dev;
  s->ino = st->st_ino;
  s->origin_pid = 0;
  s->origin_fd = -1;
  s->janitor_fd = -1;
  s->owner = getpid();
  s->uses = 1;
  return s;
}

static void discard_segment(Segment* s) {
  munmap(s->addr, s->length);
  free(s);
}

PyDoc_STRVAR(create_doc,
             "create(nbytes, name=None, janitor='', janitor_fd=-1) -> tensor\n\n"
             "A new zero-filled segment as a uint8 tensor of nbytes: an "
             "anonymous memfd (kept open, to be shared again) when name is "
             "None, else the shm file `name` (created exclusively, closed "
             "once mapped). Its pages are allocated before mapping, so a "
             "shortage is an OSError here rather than a bus error later.");

static PyObject* create(PyObject* self, PyObject* args, PyObject* kwargs) {
  (void)self;
  static char* keywords[] = {"nbytes", "name", "janitor", "janitor_fd", NULL};
  long long nbytes;
  const char* name = NULL;
  const char* janitor = "";
  int janitor_fd = -1;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "L|zsi", keywords, &nbytes,
                                   &name, &janitor, &janitor_fd))
    return NULL;
  if (nbytes < 0) {
    PyErr_Format(PyExc_ValueError, "nbytes must be >= 0, got %lld", nbytes);
    return NULL;
  }
  size_t length = page_rounded(nbytes);
  int fd;
  Py_BEGIN_ALLOW_THREADS;
  fd = name ? shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
            : memfd_create("ember-shared-tensor", MFD_CLOEXEC);
  Py_END_ALLOW_THREADS;
  if (fd < 0) return PyErr_SetFromErrno(PyExc_OSError);
  int err;
  Py_BEGIN_ALLOW_THREADS;
  do {
    err = posix_fallocate(fd, 0, (off_t)length);
  } while (err == EINTR);
  Py_END_ALLOW_THREADS;
  struct stat st;
  if (err == 0 && fstat(fd, &st) != 0) err = errno;
  Segment* s = NULL;
  if (err == 0) {
    s = map_segment(fd, length, nbytes, &st);
    if (s == NULL) err = -1;
  }
  if (s != NULL && (copy_text(s->name, NAME_CAPACITY, name, "name") != 0 ||
                    copy_text(s->janitor, ADDRESS_CAPACITY, janitor,
                              "janitor address") != 0)) {
    discard_segment(s);
    s = NULL;
    err = -1;
  }
  if (s == NULL) {
    close(fd);
    if (name) shm_unlink(name);
    if (err > 0) {
      errno = err;
      PyErr_SetFromErrno(PyExc_OSError);
    }
    return NULL;
  }
  if (name) {
    close(fd);
    s->janitor_fd = janitor_fd;
  } else {
    s->fd = fd;
    s->origin_pid = getpid();
    s->origin_fd = fd;
  }
  pthread_mutex_lock(&registry_lock);
  registry_add(s);
  pthread_mutex_unlock(&registry_lock);
  return wrap(s);
}

PyDoc_STRVAR(attach_doc,
             "attach(fd, nbytes, origin_pid=0, origin_fd=-1, name=None, "
             "janitor='', janitor_fd=-1) -> (tensor, new)\n\n"
             "The segment open as fd as a uint8 tensor of nbytes, mapped "
             "once per process: `new` is False when this process already "
             "maps it. Does not close fd.");

static PyObject* attach(PyObject* self, PyObject* args, PyObject* kwargs) {
  (void)self;
  static char* keywords[] = {"fd",   "nbytes",  "origin_pid", "origin_fd",
                             "name", "janitor", "janitor_fd", NULL};
  int fd, origin_pid = 0, origin_fd = -1, janitor_fd = -1;
  long long nbytes;
  const char* name = NULL;
  const char* janitor = "";
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "iL|iizsi", keywords, &fd,
                                   &nbytes, &origin_pid, &origin_fd, &name,
                                   &janitor, &janitor_fd))
    return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) return PyErr_SetFromErrno(PyExc_OSError);
  if (nbytes < 0 || st.st_size < nbytes) {
    PyErr_Format(PyExc_ValueError,
                 "the shared segment holds %lld bytes, fewer than the %lld "
                 "its tensor needs",
                 (long long)st.st_size, nbytes);
    return NULL;
  }
  pthread_mutex_lock(&registry_lock);
  Segment* s = find_by_file(st.st_dev, st.st_ino);
  if (s != NULL) ++s->uses;
  pthread_mutex_unlock(&registry_lock);
  if (s != NULL) return Py_BuildValue("(NO)", wrap(s), Py_False);

  s = map_segment(fd, (size_t)st.st_size, nbytes, &st);
  if (s == NULL) return NULL;
  if (copy_text(s->name, NAME_CAPACITY, name, "name") != 0 ||
      copy_text(s->janitor, ADDRESS_CAPACITY, janitor, "janitor address") !=
          0) {
    discard_segment(s);
    return NULL;
  }
  s->origin_pid = origin_pid;
  s->origin_fd = origin_fd;
  s->janitor_fd = janitor_fd;
  pthread_mutex_lock(&registry_lock);
  registry_add(s);
  pthread_mutex_unlock(&registry_lock);
  return Py_BuildValue("(NO)", wrap(s), Py_True);
}

PyDoc_STRVAR(existing_doc,
             "existing(dev, ino, nbytes) -> tensor or None\n\n"
             "The segment of file (dev, ino) as a uint8 tensor of nbytes if "
             "this process maps it already, else None.");

static PyObject* existing(PyObject* self, PyObject* args) {
  (void)self;
  unsigned long long dev, ino;
  long long nbytes;
  if (!PyArg_ParseTuple(args, "KKL", &dev, &ino, &nbytes)) return NULL;
  pthread_mutex_lock(&registry_lock);
  Segment* s = find_by_file((dev_t)dev, (ino_t)ino);
  if (s != NULL && s->nbytes >= nbytes) ++s->uses;
  else s = NULL;
  pthread_mutex_unlock(&registry_lock);
  if (s == NULL) Py_RETURN_NONE;
  return wrap(s);
}

PyDoc_STRVAR(lookup_doc,
             "lookup(storage_ptr) -> dict or None\n\n"
             "What this process knows of the segment starting at "
             "storage_ptr: fd (-1 unless kept), dev, ino, nbytes, length, "
             "origin_pid, origin_fd, name, janitor.");

static PyObject* lookup(PyObject* self, PyObject* arg) {
  (void)self;
  void* addr = PyLong_AsVoidPtr(arg);
  if (addr == NULL && PyErr_Occurred()) return NULL;
  pthread_mutex_lock(&registry_lock);
  Segment* found = find_by_addr(addr);
  Segment copy;
  if (found) copy = *found;
  pthread_mutex_unlock(&registry_lock);
  if (found == NULL) Py_RETURN_NONE;
  return Py_BuildValue(
      "{s:i,s:K,s:K,s:L,s:n,s:i,s:i,s:s,s:s}", "fd", copy.fd, "dev",
      (unsigned long long)copy.dev, "ino", (unsigned long long)copy.ino,
      "nbytes", (long long)copy.nbytes, "length", (Py_ssize_t)copy.length,
      "origin_pid", (int)copy.origin_pid, "origin_fd", copy.origin_fd, "name",
      copy.name, "janitor", copy.janitor);
}

static PyObject* contains(PyObject* self, PyObject* arg) {
  (void)self;
  void* addr = PyLong_AsVoidPtr(arg);
  if (addr == NULL && PyErr_Occurred()) return NULL;
  pthread_mutex_lock(&registry_lock);
  int found = find_by_addr(addr) != NULL;
  pthread_mutex_unlock(&registry_lock);
  return PyBool_FromLong(found);
}

static PyObject* count(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  long n = 0;
  pthread_mutex_lock(&registry_lock);
  for (size_t b = 0; b < BUCKETS; ++b)
    for (Segment* s = by_addr[b]; s; s = s->next_by_addr) ++n;
  pthread_mutex_unlock(&registry_lock);
  return PyLong_FromLong(n);
}

PyDoc_STRVAR(adopt_doc,
             "adopt() -> list of (name, janitor)\n\n"
             "In a forked child: makes the inherited mappings this process's "
             "own (forgetting the parent's janitor connections) and returns "
             "the named segments, which the child must hold in its own name.");

static PyObject* adopt(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  PyObject* named = PyList_New(0);
  if (named == NULL) return NULL;
  pid_t me = getpid();
  pthread_mutex_lock(&registry_lock);
  for (size_t b = 0; b < BUCKETS; ++b) {
    for (Segment* s = by_addr[b]; s; s = s->next_by_addr) {
      s->owner = me;
      s->janitor_fd = -1;
      if (!s->name[0]) continue;
      PyObject* item = Py_BuildValue("(ss)", s->name, s->janitor);
      if (item == NULL || PyList_Append(named, item) != 0) {
        Py_XDECREF(item);
        pthread_mutex_unlock(&registry_lock);
        Py_DECREF(named);
        return NULL;
      }
      Py_DECREF(item);
    }
  }
  pthread_mutex_unlock(&registry_lock);
  return named;
}

static PyObject* set_janitor_fd(PyObject* self, PyObject* args) {
  (void)self;
  const char* name;
  int fd;
  if (!PyArg_ParseTuple(args, "si", &name, &fd)) return NULL;
  pthread_mutex_lock(&registry_lock);
  for (size_t b = 0; b < BUCKETS; ++b)
    for (Segment* s = by_addr[b]; s; s = s->next_by_addr)
      if (strcmp(s->name, name) == 0) s->janitor_fd = fd;
  pthread_mutex_unlock(&registry_lock);
  Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"create", (PyCFunction)(void (*)(void))create,
     METH_VARARGS | METH_KEYWORDS, create_doc},
    {"attach", (PyCFunction)(void (*)(void))attach,
     METH_VARARGS | METH_KEYWORDS, attach_doc},
    {"existing", existing, METH_VARARGS, existing_doc},
    {"lookup", lookup, METH_O, lookup_doc},
    {"contains", contains, METH_O,
     "contains(storage_ptr) -> whether a live segment starts there"},
    {"count", count, METH_NOARGS,
     "count() -> the number of segments this process maps"},
    {"adopt", adopt, METH_NOARGS, adopt_doc},
    {"set_janitor_fd", set_janitor_fd, METH_VARARGS,
     "set_janitor_fd(name, fd): the connection told when `name` is released"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_shm",
    "Shared-memory segments wrapped as ember tensors (C ABI).", -1, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__shm(void) {
  /* refuses a core of another ABI major, naming both versions */
  if (ember_import_core() != 0) return NULL;
  static int fork_handlers_installed = 0;
  if (!fork_handlers_installed) {
    pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork);
    fork_handlers_installed = 1;
  }
  return PyModule_Create(&module);
}
