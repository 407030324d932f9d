"""community list indexes

Revision ID: b294bba4a053
Revises: 5b3e8f21c7d4
Create Date: 2026-12-01 23:20:00.000000

Found by bench/community.py on 20,000 questions and 200,000 answers: every category list order now has an
index holding all the columns the list filters on (merged_into_id too), so queries.question_list finds a
page's ids in the index alone; page 50 or the last page no longer reads thousands of question rows. The
unanswered tab gets its own index (answer_count), for its list and its count. The author index gains the
same columns, or SQLite would prefer the activity index (two equalities) for a profile and walk every
visible question.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b294bba4a053'
down_revision = '5b3e8f21c7d4'
branch_labels = None
depends_on = None

NEW = {
    'ix_question_category_activity': ['category_id', 'status', 'merged_into_id', 'pinned', 'last_activity_at'],
    'ix_question_category_created': ['category_id', 'status', 'merged_into_id', 'created_at'],
    'ix_question_category_score': ['category_id', 'status', 'merged_into_id', 'score', 'created_at'],
    'ix_question_category_unanswered': ['category_id', 'status', 'merged_into_id', 'answer_count', 'created_at'],
    'ix_question_activity': ['status', 'merged_into_id', 'pinned', 'last_activity_at'],
    'ix_question_author': ['author_id', 'status', 'merged_into_id', 'created_at'],
}
OLD = {
    'ix_question_category_activity': ['category_id', 'status', 'pinned', 'last_activity_at'],
    'ix_question_category_created': ['category_id', 'status', 'created_at'],
    'ix_question_category_score': ['category_id', 'status', 'score'],
    'ix_question_activity': ['status', 'last_activity_at'],
    'ix_question_author': ['author_id', 'created_at'],
}


def upgrade():
    with op.batch_alter_table('forum_question', schema=None) as batch_op:
        for name in OLD:
            batch_op.drop_index(name)
        for name, columns in NEW.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('forum_question', schema=None) as batch_op:
        for name in NEW:
            batch_op.drop_index(name)
        for name, columns in OLD.items():
            batch_op.create_index(name, columns, unique=False)
