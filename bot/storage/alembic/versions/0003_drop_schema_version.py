"""Drop release 0.1.0's `schema_version` table: Alembic's `alembic_version` replaces it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only databases made by 0.1.0 have it; fresh ones never did.
    if sa.inspect(op.get_bind()).has_table("schema_version"):
        op.drop_table("schema_version")


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore a backup instead")
