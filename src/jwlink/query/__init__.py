"""Every statement that answers a question; `Catalog` is their facade.

Product lists, search, lineage, MRP, impact, completeness, rights, name
resolution, bundle selection and PROV.

The API, portal and CLI call these functions; none of them writes SQL of its own.
"""
