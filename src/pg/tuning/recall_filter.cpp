// The filter of a recall measurement (see recall_measure.h): a boolean expression over the table's columns, written
// as in a WHERE clause (a leading WHERE is allowed), whose parameters $1..$n are the queries' further columns.
// It is parsed on its own against the table (no other relation, no subquery) and evaluated on each row, on the exact
// side and on the ANN side alike, with the caller's rights.
#include "pg/tuning/recall_measure.h"

extern "C" {
#include "nodes/makefuncs.h"
#include "nodes/params.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_param.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "rewrite/rewriteManip.h"
#include "lib/stringinfo.h"
}

#include <algorithm>
#include <cctype>
#include <cstring>

namespace vx::pg::recall {

namespace {

const char* skip_where(const char* text) {
  const char* s = text;
  while (isspace(static_cast<unsigned char>(*s))) ++s;
  if (pg_strncasecmp(s, "where", 5) == 0 && isspace(static_cast<unsigned char>(s[5]))) return s + 5;
  return text;
}

[[noreturn]] void not_a_condition() {
  ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                  errmsg("filter must be a boolean condition on the table's columns"),
                  errhint("E.g. filter => 'category = $1', with $1 from the second column of queries.")));
  pg_unreachable();
}

// Error positions point into the filter's text (shown as an internal query), not into the caller's statement.
struct FilterText {
  const char* text;  // as given
  int offset;        // where the expression starts in the wrapped statement, minus where it starts in text
};
void filter_error_context(void* arg) {
  auto* f = static_cast<const FilterText*>(arg);
  int pos = geterrposition();
  if (pos > 0) {
    int len = static_cast<int>(strlen(f->text));
    errposition(0);
    internalerrposition(std::max(1, std::min(pos - f->offset, len)));
    internalerrquery(f->text);
  }
}

// The WHERE expression of "SELECT WHERE (<text>)", refusing anything but that shape.
Node* parse_condition(const char* sql) {
  List* raw = raw_parser(sql, RAW_PARSE_DEFAULT);
  if (list_length(raw) != 1) not_a_condition();
  Node* stmt = linitial_node(RawStmt, raw)->stmt;
  if (!IsA(stmt, SelectStmt)) not_a_condition();
  auto* s = reinterpret_cast<SelectStmt*>(stmt);
  if (s->op != SETOP_NONE || s->targetList || s->fromClause || !s->whereClause || s->distinctClause || s->intoClause ||
      s->groupClause || s->havingClause || s->windowClause || s->valuesLists || s->sortClause || s->limitOffset ||
      s->limitCount || s->lockingClause || s->withClause)
    not_a_condition();
  return s->whereClause;
}

}  // namespace

void compile_filter(Target* t, const char* text, const QuerySet* q, Filter* out) {
  out->qual = nullptr;
  out->params = nullptr;
  if (text == nullptr) return;
  const char* expression = skip_where(text);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfoString(&sql, "SELECT WHERE (");
  FilterText where_text{text, sql.len - static_cast<int>(expression - text)};
  appendStringInfo(&sql, "%s\n)", expression);
  ErrorContextCallback context{error_context_stack, filter_error_context, &where_text};
  error_context_stack = &context;
  Node* where = parse_condition(sql.data);
  ParseState* pstate = make_parsestate(nullptr);
  pstate->p_sourcetext = sql.data;
  ParseNamespaceItem* item = addRangeTableEntryForRelation(pstate, t->heap, AccessShareLock, nullptr, false, false);
  addNSItemToQuery(pstate, item, false, true, true);
  if (q->nparams > 0) setup_parse_fixed_parameters(pstate, q->param_types, q->nparams);
  Node* expr = transformExpr(pstate, where, EXPR_KIND_WHERE);  // refuses aggregates, window functions, SRFs
  expr = coerce_to_boolean(pstate, expr, "filter");
  assign_expr_collations(pstate, expr);
  if (checkExprHasSubLink(expr))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("filter cannot contain a subquery"),
                    errhint("Join what the subquery reads into the queries and pass it as a parameter.")));
  free_parsestate(pstate);
  error_context_stack = context.previous;
  out->qual = ExecPrepareQual(list_make1(expr), t->estate);
  if (q->nparams > 0) {
    out->params = makeParamList(q->nparams);
    out->params->numParams = q->nparams;
    for (int j = 0; j < q->nparams; ++j) {
      out->params->params[j].ptype = q->param_types[j];
      out->params->params[j].pflags = PARAM_FLAG_CONST;
      out->params->params[j].isnull = true;
    }
  }
}

}  // namespace vx::pg::recall
