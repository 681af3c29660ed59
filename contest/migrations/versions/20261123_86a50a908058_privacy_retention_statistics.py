"""Retention purge: anonymous statistics per question and per school, and which contests were purged

Revision ID: 86a50a908058
Revises: 2d26cb6eca1f
Create Date: 2026-11-23 12:17:53.821621
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.db


revision = '86a50a908058'
down_revision = '2d26cb6eca1f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contest_purges',
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('purged_at', contest.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts_removed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_purges_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contest_id', name=op.f('pk_contest_purges'))
    )
    op.create_table('question_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('fully_right', sa.Integer(), nullable=False),
    sa.Column('credit_total', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_question_statistics_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_statistics_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_question_statistics_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_statistics')),
    sa.UniqueConstraint('round_id', 'question_id', name=op.f('uq_question_statistics_round_id_question_id'))
    )
    with op.batch_alter_table('question_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_statistics_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_statistics_question_id'), ['question_id'], unique=False)

    op.create_table('school_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=False),
    sa.Column('finished', sa.Integer(), nullable=False),
    sa.Column('points_total', sa.Integer(), nullable=False),
    sa.Column('best_points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_school_statistics_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_school_statistics_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_statistics_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_statistics')),
    sa.UniqueConstraint('round_id', 'school_id', name=op.f('uq_school_statistics_round_id_school_id'))
    )
    with op.batch_alter_table('school_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_statistics_contest_id'), ['contest_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('school_statistics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_statistics_contest_id'))

    op.drop_table('school_statistics')
    with op.batch_alter_table('question_statistics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_statistics_question_id'))
        batch_op.drop_index(batch_op.f('ix_question_statistics_contest_id'))

    op.drop_table('question_statistics')
    op.drop_table('contest_purges')
