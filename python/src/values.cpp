#include <pybind11/stl.h>

#include <cmath>
#include <cstring>

#include "aegis/core/errors.h"
#include "aegis/crypto/encoding.h"
#include "bindings.h"
#include "errors.h"

namespace aegis::python {
namespace {

[[noreturn]] void wrong_type(const std::string& field, const char* expected, py::handle v) {
  throw InvalidInputError(
      Error(errors::kPythonWrongType, field,
            field + " must be " + expected + ", got " + py::repr(v).cast<std::string>() + " (" +
                py::str(py::type::handle_of(v).attr("__name__")).cast<std::string>() + ")"));
}

bool is_numpy_bool(py::handle v) {
  const char* name = Py_TYPE(v.ptr())->tp_name;
  return std::strcmp(name, "numpy.bool_") == 0 || std::strcmp(name, "numpy.bool") == 0;
}

bool is_bool(py::handle v) { return PyBool_Check(v.ptr()) || is_numpy_bool(v); }

}  // namespace

double number(const std::string& field, py::handle v) {
  PyObject* o = v.ptr();
  if (PyFloat_CheckExact(o)) return PyFloat_AS_DOUBLE(o);
  if (is_bool(v)) wrong_type(field, "a number, not a bool", v);
  PyNumberMethods* n = Py_TYPE(o)->tp_as_number;
  const bool has_float = PyFloat_Check(o) || (n && n->nb_float);
  const bool has_index = PyLong_Check(o) || (n && n->nb_index);
  if (!has_float && !has_index) wrong_type(field, "a number", v);
  double d;
  if (has_float) {
    d = PyFloat_AsDouble(o);
  } else {
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    d = i ? PyLong_AsDouble(i.ptr()) : -1.0;
  }
  if (d == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw InvalidInputError(
        Error(errors::kPythonNotFinite, field,
              field + " is beyond the double range: " + py::repr(v).cast<std::string>()));
  }
  return d;
}

int64_t integer(const std::string& field, py::handle v) {
  PyObject* o = v.ptr();
  PyNumberMethods* n = Py_TYPE(o)->tp_as_number;
  if (is_bool(v) || !(PyLong_Check(o) || (n && n->nb_index)) || PyFloat_Check(o))
    wrong_type(field, "an integer", v);
  py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
  int overflow = 0;
  const long long x = i ? PyLong_AsLongLongAndOverflow(i.ptr(), &overflow) : -1;
  if (!i || overflow || (x == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    throw InvalidInputError(
        Error(errors::kPythonOutOfRange, field,
              field + " is beyond 64 bits: " + py::repr(v).cast<std::string>()));
  }
  return x;
}

bool boolean(const std::string& field, py::handle v) {
  if (PyBool_Check(v.ptr())) return v.ptr() == Py_True;
  if (is_numpy_bool(v)) return PyObject_IsTrue(v.ptr()) == 1;
  wrong_type(field, "a bool", v);
}

std::string text(const std::string& field, py::handle v) {
  if (!PyUnicode_Check(v.ptr())) wrong_type(field, "a str", v);
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(v.ptr(), &size);
  if (!data) {
    PyErr_Clear();
    throw InvalidInputError(
        Error(errors::kContextInvalidUtf8, field, field + " is not valid UTF-8"));
  }
  return std::string(data, static_cast<size_t>(size));
}

std::string public_key_text(const std::string& field, py::handle v) {
  if (PyUnicode_Check(v.ptr())) return text(field, v);
  if (!PyBytes_Check(v.ptr()) && !PyByteArray_Check(v.ptr()) && !PyMemoryView_Check(v.ptr()))
    wrong_type(field, "a str or bytes", v);
  PyObject* b = PyBytes_FromObject(v.ptr());
  if (!b) throw py::error_already_set();
  const auto raw = py::reinterpret_steal<py::bytes>(b).cast<std::string>();
  if (raw.size() == 32)
    return crypto::to_hex(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  return raw;
}

bool is_sequence(py::handle v) {
  PyObject* o = v.ptr();
  return PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o) && !PyByteArray_Check(o) &&
         !PyDict_Check(o);
}

std::vector<double> numbers(const std::string& field, py::handle v) {
  if (!is_sequence(v)) wrong_type(field, "a sequence of numbers", v);
  py::object seq = py::reinterpret_steal<py::object>(PySequence_Fast(v.ptr(), "not a sequence"));
  if (!seq) throw py::error_already_set();
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* x = items[i];
    out.push_back(PyFloat_CheckExact(x) ? PyFloat_AS_DOUBLE(x)
                                        : number(field + "[" + std::to_string(i) + "]", x));
  }
  return out;
}

py::dict gates_to_dict(const std::array<std::optional<GateResult>, kGateCount>& gates) {
  py::dict d;
  for (const auto& g : gates)
    if (g) d[enum_to_python(g->gate_type)] = py::cast(*g);
  return d;
}

std::array<std::optional<GateResult>, kGateCount> gates_from_dict(const py::dict& d,
                                                                  const std::string& field) {
  std::array<std::optional<GateResult>, kGateCount> out{};
  for (auto [k, v] : d) {
    GateResult g = v.cast<GateResult>();
    g.gate_type = enum_from_python<GateType>(k, field.c_str());
    out[static_cast<size_t>(g.gate_type)] = g;
  }
  return out;
}

py::object to_datetime(std::chrono::system_clock::time_point t) {
  static py::object* epoch = [] {
    py::module_ dt = py::module_::import("datetime");
    return new py::object(
        dt.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = dt.attr("timezone").attr("utc")));
  }();
  static py::object* timedelta = new py::object(py::module_::import("datetime").attr("timedelta"));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return *epoch + (*timedelta)(py::arg("milliseconds") = ms);
}

std::chrono::system_clock::time_point from_datetime(py::handle d, const std::string& field) {
  static py::object* datetime = new py::object(py::module_::import("datetime").attr("datetime"));
  if (!py::isinstance(d, *datetime)) wrong_type(field, "a datetime", d);
  // A naive datetime is taken as UTC, the engine's only time zone.
  py::object aware =
      d.attr("tzinfo").is_none()
          ? d.attr("replace")(py::arg("tzinfo") =
                                  py::module_::import("datetime").attr("timezone").attr("utc"))
          : py::reinterpret_borrow<py::object>(d);
  const double seconds = aware.attr("timestamp")().cast<double>();
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000.0))));
}

}  // namespace aegis::python
