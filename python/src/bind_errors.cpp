// Exceptions (README.md#the-python-module) and JSON conversion.
#include <cmath>

#include "aegis/core/errors.h"
#include "bindings.h"

namespace aegis::python {

namespace {

// Deep enough for any real metadata; it also stops a self-referencing dict.
constexpr int kMaxDepth = 64;

nlohmann::json to_json_at(py::handle v, const std::string& path, int depth);

}  // namespace

nlohmann::json to_json(py::handle v, const std::string& path) { return to_json_at(v, path, 0); }

namespace {

nlohmann::json to_json_at(py::handle v, const std::string& path, int depth) {
  if (depth > kMaxDepth)
    throw InvalidInputError(Error(errors::kContextTooDeep, path,
                                  path + " nests deeper than " + std::to_string(kMaxDepth) +
                                      " levels (or refers to itself)"));
  if (v.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  if (py::isinstance<py::int_>(v)) {
    try {
      return v.cast<int64_t>();
    } catch (const py::cast_error&) {
      throw InvalidInputError(
          Error(errors::kContextOutOfRange, path, path + " is an integer beyond 64 bits"));
    }
  }
  if (py::isinstance<py::float_>(v)) {
    const double d = v.cast<double>();
    if (!std::isfinite(d))
      throw InvalidInputError(
          Error(errors::kContextNotFinite, path, path + " must be a finite number"));
    return d;
  }
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::dict>(v)) {
    nlohmann::json j = nlohmann::json::object();
    for (auto item : v.cast<py::dict>()) {
      if (!py::isinstance<py::str>(item.first))
        throw InvalidInputError(
            Error(errors::kContextWrongType, path, path + " keys must be strings"));
      const std::string key = item.first.cast<std::string>();
      j[key] = to_json_at(item.second, path + "." + key, depth + 1);
    }
    return j;
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    nlohmann::json j = nlohmann::json::array();
    size_t i = 0;
    for (auto item : v)
      j.push_back(to_json_at(item, path + "[" + std::to_string(i++) + "]", depth + 1));
    return j;
  }
  throw InvalidInputError(
      Error(errors::kContextWrongType, path,
            path + " must be JSON-able (dict, list, str, int, float, bool, None), got " +
                py::str(v.get_type().attr("__name__")).cast<std::string>()));
}

}  // namespace

py::object from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(j.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list l;
      for (const auto& e : j) l.append(from_json(e));
      return l;
    }
    case nlohmann::json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = from_json(v);
      return d;
    }
    default:
      return py::none();
  }
}

namespace {

// Raises `type(message)` with `.code`, `.detail` and `.field` attributes set.
void raise(PyObject* type, const Error& e) {
  py::object exc = py::reinterpret_borrow<py::object>(type)(e.message);
  exc.attr("code") = std::string(wire_code(e.kind));
  exc.attr("detail") = std::string(e.detail);
  exc.attr("field") = e.field.empty() ? py::object(py::none()) : py::object(py::str(e.field));
  PyErr_SetObject(type, exc.ptr());
}

}  // namespace

void bind_errors(py::module_& m) {
  // Subclasses of the built-ins the reference names, so `except ValueError` keeps working.
  // Leaked on purpose: they must outlive the interpreter's own teardown.
  static auto* invalid =
      new py::exception<InvalidInputError>(m, "AegisValidationError", PyExc_ValueError);
  static auto* not_found =
      new py::exception<NotFoundError>(m, "AegisNotFoundError", PyExc_FileNotFoundError);
  static auto* forbidden =
      new py::exception<PermissionDeniedError>(m, "AegisPermissionError", PyExc_PermissionError);
  static auto* conflict =
      new py::exception<ConflictError>(m, "AegisConflictError", PyExc_ValueError);
  static auto* internal =
      new py::exception<InternalError>(m, "AegisInternalError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidInputError& e) {
      raise(invalid->ptr(), e.error());
    } catch (const NotFoundError& e) {
      raise(not_found->ptr(), e.error());
    } catch (const PermissionDeniedError& e) {
      raise(forbidden->ptr(), e.error());
    } catch (const ConflictError& e) {
      raise(conflict->ptr(), e.error());
    } catch (const InternalError& e) {
      raise(internal->ptr(), e.error());
    }
  });
}

}  // namespace aegis::python
