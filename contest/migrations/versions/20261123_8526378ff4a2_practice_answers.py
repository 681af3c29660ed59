"""practice answers: their own table, apart from contest answers (issue 4 part 6)

Revision ID: 8526378ff4a2
Revises: 78497b884872
Create Date: 2026-11-23 09:02:25.053011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.db


revision = '8526378ff4a2'
down_revision = '78497b884872'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('practice_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('credit', sa.Double(), nullable=False),
    sa.Column('answered_at', contest.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['users.id'], name=op.f('fk_practice_answers_pupil_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_practice_answers_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_practice_answers_version_id_question_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_answers'))
    )
    with op.batch_alter_table('practice_answers', schema=None) as batch_op:
        batch_op.create_index('ix_practice_answers_pupil_answered', ['pupil_id', 'answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_answers_question_id'), ['question_id'], unique=False)


def downgrade() -> None:
    op.drop_table('practice_answers')
