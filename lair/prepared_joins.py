"""Hot-path lookups whose SQL is written once instead of compiled per request.

Every authenticated request loads its device session with the user, and every
room endpoint the caller's membership with the room. Through the ORM, compiling
those joined queries costs more CPU than running them (~0.5 ms and ~0.3 ms per
request, measured in docs/PERFORMANCE.md). A ``JoinedLookup`` builds the same
SELECT once from the models' metadata, runs it with the database's own
converters, and returns ordinary model instances, the related one cached on
its foreign key exactly as ``select_related`` leaves it.
"""

from __future__ import annotations

import weakref

from django.db import connections, models


class JoinedLookup:
    """``model`` joined to the model of its foreign key ``relation``, one row by ``where``.

    ``where`` is SQL over the aliases ``a`` (model) and ``b`` (related), with
    ``%s`` placeholders.
    """

    def __init__(self, model: type[models.Model], relation: str, where: str):
        self.model = model
        self.relation = relation
        self.where = where
        self.related = model._meta.get_field(relation).related_model
        self._sql: str | None = None
        self._converters = weakref.WeakKeyDictionary()

    @property
    def fields(self) -> list[tuple[str, models.Field]]:
        return [("a", f) for f in self.model._meta.concrete_fields] + [
            ("b", f) for f in self.related._meta.concrete_fields
        ]

    def sql(self, connection) -> str:
        if self._sql is None:
            qn = connection.ops.quote_name
            fk = self.model._meta.get_field(self.relation)
            columns = ", ".join(f"{alias}.{qn(field.column)}" for alias, field in self.fields)
            # Names come from the models' metadata; values are %s parameters.
            self._sql = " ".join(
                [
                    f"SELECT {columns}",
                    f"FROM {qn(self.model._meta.db_table)} a",
                    f"INNER JOIN {qn(self.related._meta.db_table)} b",
                    f"ON b.{qn(fk.target_field.column)} = a.{qn(fk.column)}",
                    f"WHERE {self.where}",
                ]
            )
        return self._sql

    def converters(self, connection) -> list[tuple[list, models.Expression]]:
        """Per field, the backend's and the field's converters (what the ORM applies)."""
        known = self._converters.get(connection)
        if known is None:
            known = []
            for alias, field in self.fields:
                column = field.get_col(alias)
                known.append(
                    (
                        connection.ops.get_db_converters(column)
                        + column.get_db_converters(connection),
                        column,
                    )
                )
            self._converters[connection] = known
        return known

    def get(self, *params, using: str = "default"):
        """The model instance with its related instance cached, or None."""
        connection = connections[using]
        with connection.cursor() as cursor:
            try:
                cursor.execute(self.sql(connection), params)
            except OverflowError:  # SQLite: an id past 64 bits matches nothing
                return None
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for value, (converters, column) in zip(row, self.converters(connection), strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            values.append(value)
        split = len(self.model._meta.concrete_fields)
        instance = self.model.from_db(
            using, [f.attname for f in self.model._meta.concrete_fields], values[:split]
        )
        related = self.related.from_db(
            using, [f.attname for f in self.related._meta.concrete_fields], values[split:]
        )
        setattr(instance, self.relation, related)
        return instance
