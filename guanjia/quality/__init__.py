"""Quality audits and corrective actions (品质核查, 纠正预防)."""
