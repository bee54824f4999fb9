// Shared pieces of the aegis_governance Python module: enum conversion to Python `enum.Enum`
// classes whose `.value` is the lower-case wire string, and JSON <-> Python conversion.
// Each bind_*.cpp adds one area of the API; a later issue adds its own file.
#pragma once

#include <pybind11/pybind11.h>

#include <array>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aegis/core/context.h"
#include "aegis/core/decide.h"
#include "aegis/core/drift.h"
#include "aegis/core/errors.h"
#include "aegis/core/gates.h"
#include "aegis/store/store.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/workflow.h"
#include "errors.h"

namespace aegis::python {

namespace py = pybind11;

// A wire enum as a Python class: its name and the C++ name table its members come from.
template <typename E>
struct EnumInfo;

#define AEGIS_ENUM_INFO(E, PYNAME, TABLE)        \
  template <>                                    \
  struct EnumInfo<E> {                           \
    static constexpr const char* kName = PYNAME; \
    static constexpr const auto& kNames = TABLE; \
    static py::object& cls() {                   \
      static py::object* c = new py::object();   \
      return *c;                                 \
    }                                            \
  };

// Python members are the C++ names upper-cased: PCWPhase.PLAN == "plan".
AEGIS_ENUM_INFO(PCWPhase, "PCWPhase", kPhaseNames)
AEGIS_ENUM_INFO(PCWStatus, "PCWStatus", kStatusNames)
AEGIS_ENUM_INFO(GateType, "GateType", kGateNames)
AEGIS_ENUM_INFO(DriftStatus, "DriftStatus", kDriftStatusNames)
AEGIS_ENUM_INFO(DriftAction, "DriftAction", kDriftActionNames)
AEGIS_ENUM_INFO(OverrideState, "OverrideState", kOverrideStateNames)
AEGIS_ENUM_INFO(OverrideRejection, "OverrideRejection", kRejectionNames)
AEGIS_ENUM_INFO(ActorRole, "ActorRole", kRoleNames)
AEGIS_ENUM_INFO(ProposalState, "ProposalState", kProposalStateNames)
AEGIS_ENUM_INFO(VoteOutcome, "VoteOutcome", kVoteNames)
AEGIS_ENUM_INFO(ConsensusStatus, "ConsensusStatus", kConsensusStatusNames)

#undef AEGIS_ENUM_INFO

// Creates `class NAME(str, enum.Enum)` in module `m` and remembers it for conversions.
template <typename E>
void bind_enum(py::module_& m, const char* doc) {
  py::list members;
  for (const auto& row : EnumInfo<E>::kNames) {
    std::string member(row.name);
    for (char& ch : member) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    members.append(py::make_tuple(member, std::string(row.name)));
  }
  py::object enum_cls = py::module_::import("enum").attr("Enum");
  py::object cls = enum_cls(EnumInfo<E>::kName, members, py::arg("module") = m.attr("__name__"),
                            py::arg("type") = py::module_::import("builtins").attr("str"));
  cls.attr("__doc__") = doc;
  m.attr(EnumInfo<E>::kName) = cls;
  EnumInfo<E>::cls() = cls;
}

// Raises ValueError naming the field when `value` is not an enum member or its value string.
template <typename E>
E enum_from_python(py::handle value, const char* field) {
  py::object cls = EnumInfo<E>::cls();
  py::object v = py::reinterpret_borrow<py::object>(value);
  if (py::isinstance(v, cls)) v = v.attr("value");
  if (py::isinstance<py::str>(v)) {
    const std::string s = v.cast<std::string>();
    if (const auto e = value_in<EnumInfo<E>::kNames>(s)) return *e;
  }
  throw InvalidInputError(Error(errors::kContextUnknownValue, field,
                                std::string(field) + " must be a " + EnumInfo<E>::kName + ", got " +
                                    py::repr(value).cast<std::string>()));
}

template <typename E>
py::object enum_to_python(E e) {
  const std::string_view name = name_in(EnumInfo<E>::kNames, e);
  if (!name.empty()) return EnumInfo<E>::cls()(std::string(name));
  throw InternalError(Error{errors::kPythonEnum, "", "unknown enum value"});
}

// Values the way Python passes them (issue 14), one rule for every class and function. Each
// raises ValueError naming `field`. A number is any object with __float__ or __index__ except
// bool and numpy.bool_ (int, float, numpy scalars, Decimal, Fraction); an integer one with
// __index__ (not a float or a bool); a bool is bool or numpy.bool_; a sequence anything but
// str, bytes, bytearray or dict that has the sequence protocol (list, tuple, numpy array).
double number(const std::string& field, py::handle v);
int64_t integer(const std::string& field, py::handle v);
bool boolean(const std::string& field, py::handle v);
std::string text(const std::string& field, py::handle v);
bool is_sequence(py::handle v);
std::vector<double> numbers(const std::string& field, py::handle v);

// Gate results by gate (GateEvaluationResult.gates, DecisionTrace.gate_results) <-> a dict
// keyed by GateType; the key decides each result's gate_type.
py::dict gates_to_dict(const std::array<std::optional<GateResult>, kGateCount>& gates);
std::array<std::optional<GateResult>, kGateCount> gates_from_dict(const py::dict& d,
                                                                  const std::string& field);

// datetime (UTC, aware) <-> time_point with millisecond precision; a naive datetime is UTC.
py::object to_datetime(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_datetime(py::handle d, const std::string& field);

// Function parameters read by the same rule (a value the rule refuses makes the call a
// TypeError listing the signature).
struct Number {
  double value = 0.0;
  operator double() const { return value; }  // NOLINT(google-explicit-constructor)
};
struct Integer {
  int64_t value = 0;
  operator int64_t() const { return value; }  // NOLINT(google-explicit-constructor)
};
struct Numbers {
  std::vector<double> value;
};
// A custodian public key: str (hex, base64 or P2TR address) or bytes — 32 raw bytes are the
// x-only key itself (as hex for the engine); other bytes are read as the text they hold.
struct PublicKey {
  std::string value;
  operator std::string_view() const { return value; }  // NOLINT(google-explicit-constructor)
};
std::string public_key_text(const std::string& field, py::handle v);

// The C++ object of an optional argument: nullptr for None, TypeError naming `name` for another
// type. Cheaper than a `T*` parameter, which pybind11 checks for None only after a failed
// attribute lookup (an exception formatted per call).
template <typename T>
T* optional_object(py::handle value, const char* name) {
  if (value.is_none()) return nullptr;
  static auto* caster = new py::detail::make_caster<T>();  // the type looked up once; GIL held
  if (!caster->load(value, false))
    throw py::type_error(std::string(name) + " must be a " +
                         py::str(py::type::of<T>().attr("__name__")).cast<std::string>() +
                         " or None, got a " +
                         py::str(py::type::handle_of(value).attr("__name__")).cast<std::string>());
  return &py::detail::cast_op<T&>(*caster);
}

// The C++ context of a Python PCWContext, with the list and dict fields it holds as Python
// objects read again (so that in-place changes count). TypeError for another type.
const PCWContext& synced(py::handle context);

// The C++ Store behind a Python Store (None: nullptr), for an AFABridge that will write to it
// from its own threads: the Python Store refuses calls from then on.
Store* lend_store(py::handle store);

// JSON-able Python values <-> nlohmann::json. Raises ValueError naming `path` otherwise.
nlohmann::json to_json(py::handle value, const std::string& path);
py::object from_json(const nlohmann::json& j);

// Canonical JSON text of a value (workflow state for the store).
inline std::string canonical_json_of(const nlohmann::json& j);

void bind_errors(py::module_& m);
void bind_config(py::module_& m);
void bind_gates(py::module_& m);
void bind_drift(py::module_& m);
void bind_decide(py::module_& m);
void bind_override(py::module_& m);
void bind_workflow(py::module_& m);
void bind_store(py::module_& m);
void bind_metrics(py::module_& m);
void bind_telemetry(py::module_& m);
void bind_kek(py::module_& m);
// Rewrites every bound function's docstring so that inspect.signature reads it (signatures.cpp).
void add_text_signatures(py::module_& m);

}  // namespace aegis::python

#include "aegis/core/json.h"

inline std::string aegis::python::canonical_json_of(const nlohmann::json& j) {
  return aegis::canonical_json(j);
}

namespace pybind11::detail {

// Lets bound functions take and return the Python enum classes directly.
template <typename E>
struct aegis_enum_caster {
  PYBIND11_TYPE_CASTER(E, const_name("Enum"));
  bool load(handle src, bool) {
    object cls = aegis::python::EnumInfo<E>::cls();
    if (!cls || !isinstance(src, cls)) return false;
    value = aegis::python::enum_from_python<E>(src, aegis::python::EnumInfo<E>::kName);
    return true;
  }
  static handle cast(E e, return_value_policy, handle) {
    return aegis::python::enum_to_python(e).release();
  }
};

// Number, Integer and Numbers parameters: aegis::python::number() and friends decide.
#define AEGIS_VALUE_CASTER(T, V, READ, NAME)                               \
  template <>                                                              \
  struct type_caster<T> {                                                  \
    PYBIND11_TYPE_CASTER(T, const_name(NAME));                             \
    bool load(handle src, bool) {                                          \
      try {                                                                \
        value.value = READ("value", src);                                  \
        return true;                                                       \
      } catch (const aegis::InvalidInputError&) {                          \
        return false;                                                      \
      }                                                                    \
    }                                                                      \
    static handle cast(const T& v, return_value_policy p, handle parent) { \
      return make_caster<V>::cast(v.value, p, parent);                     \
    }                                                                      \
  };
AEGIS_VALUE_CASTER(aegis::python::Number, double, aegis::python::number, "float")
AEGIS_VALUE_CASTER(aegis::python::Integer, int64_t, aegis::python::integer, "int")
AEGIS_VALUE_CASTER(aegis::python::Numbers, std::vector<double>, aegis::python::numbers,
                   "Sequence[float]")
AEGIS_VALUE_CASTER(aegis::python::PublicKey, std::string, aegis::python::public_key_text,
                   "str | bytes")
#undef AEGIS_VALUE_CASTER

template <>
struct type_caster<aegis::PCWPhase> : aegis_enum_caster<aegis::PCWPhase> {};
template <>
struct type_caster<aegis::PCWStatus> : aegis_enum_caster<aegis::PCWStatus> {};
template <>
struct type_caster<aegis::GateType> : aegis_enum_caster<aegis::GateType> {};
template <>
struct type_caster<aegis::DriftStatus> : aegis_enum_caster<aegis::DriftStatus> {};
template <>
struct type_caster<aegis::DriftAction> : aegis_enum_caster<aegis::DriftAction> {};
template <>
struct type_caster<aegis::OverrideState> : aegis_enum_caster<aegis::OverrideState> {};
template <>
struct type_caster<aegis::ActorRole> : aegis_enum_caster<aegis::ActorRole> {};
template <>
struct type_caster<aegis::ProposalState> : aegis_enum_caster<aegis::ProposalState> {};
template <>
struct type_caster<aegis::VoteOutcome> : aegis_enum_caster<aegis::VoteOutcome> {};
template <>
struct type_caster<aegis::ConsensusStatus> : aegis_enum_caster<aegis::ConsensusStatus> {};
template <>
struct type_caster<aegis::OverrideRejection> : aegis_enum_caster<aegis::OverrideRejection> {};

}  // namespace pybind11::detail
