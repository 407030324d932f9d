"""article popular index

Revision ID: c3d1f0a2b7e9
Revises: b294bba4a053
Create Date: 2026-12-02 00:10:00.000000

The help-center home lists the most viewed articles ordered by views then position: with position in
the index SQLite no longer reads every tied row (all of them while a help center has no views yet).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3d1f0a2b7e9'
down_revision = 'b294bba4a053'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index('ix_article_status_lang_views')
        batch_op.create_index('ix_article_popular', ['status', 'lang', 'view_count', 'position'], unique=False)


def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index('ix_article_popular')
        batch_op.create_index('ix_article_status_lang_views', ['status', 'lang', 'view_count'], unique=False)
