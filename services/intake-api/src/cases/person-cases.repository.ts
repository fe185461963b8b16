import { type PoolClient } from '@beacon/persistence';
import { Injectable } from '@nestjs/common';

/** Which case is open for a registration hash, as the case topic says; written by the consumer only. */
@Injectable()
export class PersonCasesRepository {
  async close(client: PoolClient, caseId: string, at: string): Promise<void> {
    await client.query(
      `UPDATE intake.person_cases SET closed_at = $2 WHERE case_id = $1 AND closed_at IS NULL`,
      [caseId, at],
    );
  }

  /** Open again, unless the person has opened another case since: new reports keep joining that one. */
  async reopen(client: PoolClient, caseId: string): Promise<void> {
    await client.query(
      `UPDATE intake.person_cases p SET closed_at = NULL
        WHERE p.case_id = $1 AND p.closed_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM intake.person_cases o
                           WHERE o.registration_hash = p.registration_hash AND o.closed_at IS NULL)`,
      [caseId],
    );
  }

  /** Erasure removes the keyed hash too: nothing links the person to a case afterwards. */
  async erase(client: PoolClient, caseId: string, personRef: string): Promise<void> {
    await client.query(`DELETE FROM intake.person_cases WHERE case_id = $1 OR person_ref = $2`, [
      caseId,
      personRef,
    ]);
  }
}
