-- The write nonce told a fresh insert from an ignored retry when the XP rows were a second
-- statement; the intake trigger (0003) attaches them to NEW.id, so the column has no use left.
ALTER TABLE `pulses` DROP COLUMN `nonce`;
