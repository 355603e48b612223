#include "http/method.h"

namespace chorus::http {

Method ParseMethod(std::string_view text) {
  if (text == "GET") return Method::kGet;
  if (text == "POST") return Method::kPost;
  if (text == "HEAD") return Method::kHead;
  if (text == "PUT") return Method::kPut;
  if (text == "PATCH") return Method::kPatch;
  if (text == "DELETE") return Method::kDelete;
  if (text == "OPTIONS") return Method::kOptions;
  return Method::kUnknown;
}

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kUnknown: break;
  }
  return "UNKNOWN";
}

}  // namespace chorus::http
