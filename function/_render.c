/* A template's program (function/wire.py, ``_Program``) run natively: its bytes for one set of values.

   Why: ``_Program.render`` is the per-record writer of a composition (every MR entry, every
   status record). Compiled by mypyc it still makes a bytes object per string it writes, a list
   of parts and a join per entry: ~1.8 us an entry, a fifth of a 1,000-hostname claim's first
   composition. Here the same steps measure every part first and then write them once into
   the result, reading each string's UTF-8 where CPython keeps it.

   The program is wire.py's, handed over as plain tuples when it is made; wire.py stays the
   reference (a development install runs it, and tests/function/test_wire_native.py holds the
   two to the same bytes). Only the function image's wheel builds this module (hatch_build.py).

   Values of another shape raise what wire.py's loop raises (KeyError, IndexError, or the
   mismatch class given), so ``Template.fill`` falls back to the generic encoder alike. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

enum { OP_CONST = 0, OP_TEXT = 1, OP_VALUE = 2, OP_OPEN = 3, OP_CLOSE = 4, OP_LOAD = 5 };

#define STRING_TAG 0x1a
#define NUMBER_TAG 0x11
#define BOOL_TAG 0x20
#define ENTRY_TAG 0x0a /* Struct.fields' map entry; ListValue.values' item shares the tag */

typedef struct {
    int kind;
    int reg;             /* TEXT, VALUE, LOAD: the register read */
    int target;          /* LOAD: the register filled */
    int mark;            /* OPEN, CLOSE: which nested message */
    PyObject *key;       /* TEXT, VALUE, LOAD: the key or index (owned) */
    Py_ssize_t index;    /* the key as an index, or -1 when it is not an int */
    PyObject *prefix;    /* TEXT, VALUE, OPEN: the Struct key's prefix (owned bytes), NULL for a list item */
    unsigned char tag;   /* OPEN: the nested Value's tag (its CLOSE's) */
    PyObject *cls;       /* LOAD: the container's class (owned) */
    Py_ssize_t length;   /* LOAD: the container's length */
    PyObject *data;      /* CONST: the bytes (owned) */
} Op;

typedef struct {
    PyObject_HEAD
    Op *ops;
    Py_ssize_t n_ops;
    int registers;
    int marks;
    PyObject *entry_key; /* owned, or NULL: the hole whose value keys the resources entry */
    PyObject *ready;     /* owned bytes: the entry's ready field (empty without an entry) */
    PyObject *mismatch;  /* owned: the class raised for values of another shape */
    PyObject *value_entry; /* owned: wire._value_entry, for values other than str, bool, int and float */
} Program;

/* What pass one found for a step, for pass two to write. */
typedef struct {
    const char *text;     /* a string's UTF-8 */
    Py_ssize_t size;      /* its length */
    unsigned char small[9]; /* a bool's or a number's Value */
    Py_ssize_t small_size;
    PyObject *parts;      /* a (head, Value) tuple from value_entry (a borrowed view of ``owned``) */
} Found;

static int varint_size(Py_ssize_t n) {
    int size = 1;
    size_t v = (size_t)n;
    while (v > 0x7f) {
        v >>= 7;
        size++;
    }
    return size;
}

static char *put_varint(char *out, Py_ssize_t n) {
    size_t v = (size_t)n;
    while (v > 0x7f) {
        *out++ = (char)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    *out++ = (char)v;
    return out;
}

/* The bytes before a ``body``-byte Value of ``tag`` in its Struct entry (``prefix``) or list item (NULL). */
static Py_ssize_t head_size(PyObject *prefix, Py_ssize_t body) {
    Py_ssize_t inner = 1 + varint_size(body) + body; /* the Value: its tag, length and body */
    Py_ssize_t value_head = inner - body;
    if (prefix == NULL)
        return 1 + varint_size(inner) + value_head;
    Py_ssize_t entry = PyBytes_GET_SIZE(prefix) + varint_size(inner) + inner;
    return 1 + varint_size(entry) + PyBytes_GET_SIZE(prefix) + varint_size(inner) + value_head;
}

static char *put_head(char *out, PyObject *prefix, unsigned char tag, Py_ssize_t body) {
    Py_ssize_t inner = 1 + varint_size(body) + body;
    *out++ = ENTRY_TAG;
    if (prefix == NULL) {
        out = put_varint(out, inner);
    } else {
        Py_ssize_t prefix_size = PyBytes_GET_SIZE(prefix);
        out = put_varint(out, prefix_size + varint_size(inner) + inner);
        memcpy(out, PyBytes_AS_STRING(prefix), (size_t)prefix_size);
        out += prefix_size;
        out = put_varint(out, inner);
    }
    *out++ = (char)tag;
    return put_varint(out, body);
}

/* The bytes before a whole ``size``-byte Value in its Struct entry or list item. */
static Py_ssize_t frame_size(PyObject *prefix, Py_ssize_t size) {
    if (prefix == NULL)
        return 1 + varint_size(size);
    Py_ssize_t entry = PyBytes_GET_SIZE(prefix) + varint_size(size) + size;
    return 1 + varint_size(entry) + PyBytes_GET_SIZE(prefix) + varint_size(size);
}

static char *put_frame(char *out, PyObject *prefix, Py_ssize_t size) {
    *out++ = ENTRY_TAG;
    if (prefix == NULL)
        return put_varint(out, size);
    Py_ssize_t prefix_size = PyBytes_GET_SIZE(prefix);
    out = put_varint(out, prefix_size + varint_size(size) + size);
    memcpy(out, PyBytes_AS_STRING(prefix), (size_t)prefix_size);
    out += prefix_size;
    return put_varint(out, size);
}

/* ``container[key]``, a new reference; a tuple or list read by index directly. */
static PyObject *item(PyObject *container, const Op *op) {
    if (op->index >= 0 && (PyTuple_CheckExact(container) || PyList_CheckExact(container))) {
        if (op->index >= PySequence_Fast_GET_SIZE(container)) {
            PyErr_SetString(PyExc_IndexError, "index out of range");
            return NULL;
        }
        PyObject *found = PySequence_Fast_GET_ITEM(container, op->index);
        Py_INCREF(found);
        return found;
    }
    if (PyDict_CheckExact(container)) {
        PyObject *found = PyDict_GetItemWithError(container, op->key);
        if (found == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, op->key);
            return NULL;
        }
        Py_INCREF(found);
        return found;
    }
    return PyObject_GetItem(container, op->key);
}

static PyObject *Program_render(Program *self, PyObject *values) {
    PyObject *result = NULL;
    PyObject *stack_regs[16];
    Py_ssize_t stack_starts[16];
    Found stack_found[64];
    PyObject *stack_owned[129];
    PyObject **regs = stack_regs;
    Py_ssize_t *starts = stack_starts;
    Found *found = stack_found;
    PyObject **owned = stack_owned;
    Py_ssize_t n_owned = 0;
    const char *name = NULL;
    Py_ssize_t name_size = 0;

    if (self->registers > 16)
        regs = PyMem_Malloc(sizeof(PyObject *) * (size_t)self->registers);
    if (self->marks > 16)
        starts = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)self->marks);
    if (self->n_ops > 64)
        found = PyMem_Malloc(sizeof(Found) * (size_t)self->n_ops);
    if (2 * self->n_ops + 1 > 129)  /* a step owns at most two references (a value and its parts), the key one */
        owned = PyMem_Malloc(sizeof(PyObject *) * (size_t)(2 * self->n_ops + 1));
    if (regs == NULL || starts == NULL || found == NULL || owned == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    regs[0] = values;

    /* Pass one: read and check every value, and measure what each step writes. */
    Py_ssize_t size = 0;
    for (Py_ssize_t i = 0; i < self->n_ops; i++) {
        const Op *op = &self->ops[i];
        Found *f = &found[i];
        switch (op->kind) {
        case OP_CONST:
            size += PyBytes_GET_SIZE(op->data);
            break;
        case OP_LOAD: {
            PyObject *container = item(regs[op->reg], op);
            if (container == NULL)
                goto done;
            owned[n_owned++] = container;
            if ((PyObject *)Py_TYPE(container) != op->cls) {
                PyErr_SetNone(self->mismatch);
                goto done;
            }
            Py_ssize_t length = PyObject_Size(container);
            if (length < 0)
                goto done;
            if (length != op->length) {
                PyErr_SetNone(self->mismatch);
                goto done;
            }
            regs[op->target] = container;
            break;
        }
        case OP_TEXT:
        case OP_VALUE: {
            PyObject *value = item(regs[op->reg], op);
            if (value == NULL)
                goto done;
            owned[n_owned++] = value;
            f->parts = NULL;
            f->small_size = 0;
            if (PyUnicode_Check(value)) {
                f->text = PyUnicode_AsUTF8AndSize(value, &f->size);
                if (f->text == NULL)
                    goto done;
                size += head_size(op->prefix, f->size) + f->size;
                break;
            }
            if (op->kind == OP_TEXT) {
                PyErr_SetNone(self->mismatch);
                goto done;
            }
            if (PyBool_Check(value)) {
                f->small[0] = BOOL_TAG;
                f->small[1] = value == Py_True;
                f->small_size = 2;
            } else if (PyLong_CheckExact(value) || PyFloat_CheckExact(value)) {
                double number = PyFloat_CheckExact(value) ? PyFloat_AS_DOUBLE(value) : PyLong_AsDouble(value);
                if (number == -1.0 && PyErr_Occurred())
                    goto done;
                f->small[0] = NUMBER_TAG;
                if (PyFloat_Pack8(number, (char *)f->small + 1, 1) < 0)
                    goto done;
                f->small_size = 9;
            } else {
                PyObject *parts = PyObject_CallFunctionObjArgs(self->value_entry,
                                                               op->prefix ? op->prefix : Py_None, value, NULL);
                if (parts == NULL)
                    goto done;
                owned[n_owned++] = parts;
                if (!PyTuple_CheckExact(parts) || PyTuple_GET_SIZE(parts) != 2 ||
                    !PyBytes_CheckExact(PyTuple_GET_ITEM(parts, 0)) || !PyBytes_CheckExact(PyTuple_GET_ITEM(parts, 1))) {
                    PyErr_SetNone(self->mismatch);  /* not bytes (an Encoded of a bytearray): the generic encoder's */
                    goto done;
                }
                f->parts = parts;
                size += PyBytes_GET_SIZE(PyTuple_GET_ITEM(parts, 0)) + PyBytes_GET_SIZE(PyTuple_GET_ITEM(parts, 1));
                break;
            }
            size += frame_size(op->prefix, f->small_size) + f->small_size;
            break;
        }
        case OP_OPEN:
            starts[op->mark] = size;
            break;
        case OP_CLOSE: {
            Py_ssize_t body = size - starts[op->mark];
            starts[op->mark] = body;  /* its OPEN reads the body's size from here in pass two */
            size += head_size(op->prefix, body);
            break;
        }
        }
    }

    Py_ssize_t total = size;
    Py_ssize_t ready = PyBytes_GET_SIZE(self->ready);
    Py_ssize_t resource = 0, entry = 0;
    if (self->entry_key != NULL) {
        Op key_op = {0};
        key_op.key = self->entry_key;
        key_op.index = PyLong_CheckExact(self->entry_key) ? PyLong_AsSsize_t(self->entry_key) : -1;
        if (key_op.index == -1 && PyErr_Occurred())
            PyErr_Clear(); /* past an index: read through PyObject_GetItem, which raises as Python does */
        if (key_op.index < 0)
            key_op.index = -1;
        PyObject *key = item(values, &key_op);
        if (key == NULL)
            goto done;
        owned[n_owned++] = key;
        if (!PyUnicode_Check(key)) {
            PyErr_SetNone(self->mismatch);
            goto done;
        }
        name = PyUnicode_AsUTF8AndSize(key, &name_size);
        if (name == NULL)
            goto done;
        resource = 1 + varint_size(size) + size + ready;
        entry = 1 + varint_size(name_size) + name_size + 1 + varint_size(resource) + resource;
        total = 1 + varint_size(entry) + entry;
    }

    /* Pass two: write. */
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL)
        goto done;
    char *out = PyBytes_AS_STRING(result);
    if (self->entry_key != NULL) {
        *out++ = 0x12; /* State.resources */
        out = put_varint(out, entry);
        *out++ = 0x0a; /* its key */
        out = put_varint(out, name_size);
        memcpy(out, name, (size_t)name_size);
        out += name_size;
        *out++ = 0x12; /* its value, the Resource */
        out = put_varint(out, resource);
        *out++ = 0x0a; /* Resource.resource */
        out = put_varint(out, size);
    }
    for (Py_ssize_t i = 0; i < self->n_ops; i++) {
        const Op *op = &self->ops[i];
        const Found *f = &found[i];
        switch (op->kind) {
        case OP_CONST:
            memcpy(out, PyBytes_AS_STRING(op->data), (size_t)PyBytes_GET_SIZE(op->data));
            out += PyBytes_GET_SIZE(op->data);
            break;
        case OP_TEXT:
        case OP_VALUE:
            if (f->parts != NULL) {
                for (int part = 0; part < 2; part++) {
                    PyObject *bytes = PyTuple_GET_ITEM(f->parts, part);
                    memcpy(out, PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes));
                    out += PyBytes_GET_SIZE(bytes);
                }
            } else if (f->small_size) {
                out = put_frame(out, op->prefix, f->small_size);
                memcpy(out, f->small, (size_t)f->small_size);
                out += f->small_size;
            } else {
                out = put_head(out, op->prefix, STRING_TAG, f->size);
                memcpy(out, f->text, (size_t)f->size);
                out += f->size;
            }
            break;
        case OP_OPEN:
            out = put_head(out, op->prefix, op->tag, starts[op->mark]);
            break;
        default: /* LOAD, CLOSE: nothing to write */
            break;
        }
    }
    memcpy(out, PyBytes_AS_STRING(self->ready), (size_t)ready);
    out += ready;
    if (out != PyBytes_AS_STRING(result) + total) {
        Py_CLEAR(result);
        PyErr_SetString(PyExc_SystemError, "_render: measured and written sizes differ");
    }

done:
    for (Py_ssize_t i = 0; i < n_owned; i++)
        Py_DECREF(owned[i]);
    if (regs != stack_regs && regs != NULL)
        PyMem_Free(regs);
    if (starts != stack_starts && starts != NULL)
        PyMem_Free(starts);
    if (found != stack_found && found != NULL)
        PyMem_Free(found);
    if (owned != stack_owned && owned != NULL)
        PyMem_Free(owned);
    if (result == NULL && !PyErr_Occurred())
        PyErr_SetString(PyExc_SystemError, "_render: failed without an error");
    return result;
}

static void Program_dealloc(Program *self) {
    for (Py_ssize_t i = 0; i < self->n_ops; i++) {
        Py_XDECREF(self->ops[i].key);
        Py_XDECREF(self->ops[i].prefix);
        Py_XDECREF(self->ops[i].cls);
        Py_XDECREF(self->ops[i].data);
    }
    PyMem_Free(self->ops);
    Py_XDECREF(self->entry_key);
    Py_XDECREF(self->ready);
    Py_XDECREF(self->mismatch);
    Py_XDECREF(self->value_entry);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Whether the steps make a program render can run: every nested message opened once and closed
   in turn (so pass one measures every header pass two writes), and every register read after a
   step filled it. wire.py makes only such programs; the type is callable, so it checks. */
static int check_program(Program *self) {
    Py_ssize_t n = self->n_ops;
    int *open = PyMem_Malloc(sizeof(int) * (size_t)(n ? n : 1));
    char *opened = PyMem_Calloc((size_t)(n ? n : 1), 1);
    char *loaded = PyMem_Calloc((size_t)self->registers, 1);
    int ok = open != NULL && opened != NULL && loaded != NULL;
    if (!ok)
        PyErr_NoMemory();
    Py_ssize_t depth = 0;
    if (ok)
        loaded[0] = 1;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        const Op *op = &self->ops[i];
        switch (op->kind) {
        case OP_OPEN:
            ok = !opened[op->mark];
            opened[op->mark] = 1;
            open[depth++] = op->mark;
            break;
        case OP_CLOSE:
            ok = depth > 0 && open[depth - 1] == op->mark;
            depth--;
            break;
        case OP_TEXT:
        case OP_VALUE:
            ok = loaded[op->reg];
            break;
        case OP_LOAD:
            ok = loaded[op->reg];
            loaded[op->target] = 1;
            break;
        default:
            break;
        }
        if (!ok)
            PyErr_Format(PyExc_ValueError, "step %zd of the program is out of place (an unmatched nested message "
                         "or a register read before it is filled)", i);
    }
    if (ok && depth != 0) {
        ok = 0;
        PyErr_SetString(PyExc_ValueError, "the program leaves a nested message open");
    }
    PyMem_Free(open);
    PyMem_Free(opened);
    PyMem_Free(loaded);
    return ok ? 0 : -1;
}

/* Program(ops, registers, entry_key, ready, mismatch, value_entry): ``ops`` a tuple of
   (kind, register, key, prefix, tag, target, cls, length, data, mark) tuples, in order,
   where an OPEN carries its CLOSE's prefix and tag. */
static PyObject *Program_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *ops, *entry_key, *ready, *mismatch, *value_entry;
    int registers;
    static char *names[] = {"ops", "registers", "entry_key", "ready", "mismatch", "value_entry", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!iOO!OO", names, &PyTuple_Type, &ops, &registers, &entry_key,
                                     &PyBytes_Type, &ready, &mismatch, &value_entry))
        return NULL;
    if (registers < 1) {
        PyErr_SetString(PyExc_ValueError, "a program has at least the register of its values");
        return NULL;
    }
    Program *self = (Program *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(ops);
    self->ops = PyMem_Calloc((size_t)(n ? n : 1), sizeof(Op));
    if (self->ops == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->n_ops = n;
    self->registers = registers;
    self->marks = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *spec = PyTuple_GET_ITEM(ops, i);
        Op *op = &self->ops[i];
        PyObject *key, *prefix, *cls, *data;
        int tag;
        if (!PyArg_ParseTuple(spec, "iiOOiiOnOi", &op->kind, &op->reg, &key, &prefix, &tag, &op->target, &cls,
                              &op->length, &data, &op->mark)) {
            Py_DECREF(self);
            return NULL;
        }
        if (op->kind < OP_CONST || op->kind > OP_LOAD || op->reg < 0 || op->reg >= registers || op->target < 0 ||
            op->target >= registers || op->mark < 0 || op->mark >= n || tag < 0 || tag > 0xff ||
            (prefix != Py_None && !PyBytes_CheckExact(prefix)) || (op->kind == OP_CONST && !PyBytes_CheckExact(data))) {
            PyErr_Format(PyExc_ValueError, "step %zd of the program is malformed", i);
            Py_DECREF(self);
            return NULL;
        }
        op->tag = (unsigned char)tag;
        op->key = Py_NewRef(key);
        op->index = -1;
        if (PyLong_CheckExact(key)) {
            op->index = PyLong_AsSsize_t(key);
            if (op->index == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                op->index = -1;
            }
            if (op->index < 0)
                op->index = -1; /* a negative index: read through PyObject_GetItem, as Python does */
        }
        op->prefix = prefix == Py_None ? NULL : Py_NewRef(prefix);
        op->cls = Py_NewRef(cls);
        op->data = Py_NewRef(data);
        if ((op->kind == OP_OPEN || op->kind == OP_CLOSE) && op->mark + 1 > self->marks)
            self->marks = op->mark + 1;
    }
    if (check_program(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->entry_key = entry_key == Py_None ? NULL : Py_NewRef(entry_key);
    self->ready = Py_NewRef(ready);
    self->mismatch = Py_NewRef(mismatch);
    self->value_entry = Py_NewRef(value_entry);
    return (PyObject *)self;
}

static PyMethodDef Program_methods[] = {
    {"render", (PyCFunction)Program_render, METH_O,
     "The bytes with every hole read from ``values`` (function/wire.py, ``_Program.render``)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "function._render.Program",
    .tp_basicsize = sizeof(Program),
    .tp_dealloc = (destructor)Program_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A template's program, run natively (function/wire.py, ``_Program``).",
    .tp_methods = Program_methods,
    .tp_new = Program_new,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "function._render", "Templates' programs run natively (function/wire.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__render(void) {
    if (PyType_Ready(&ProgramType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ProgramType);
    if (PyModule_AddObject(m, "Program", (PyObject *)&ProgramType) < 0) {
        Py_DECREF(&ProgramType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
