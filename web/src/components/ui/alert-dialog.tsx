import * as React from 'react'
import { AlertDialog as A } from 'radix-ui'
import { cn } from '@/lib/utils'
import { buttonVariants } from './button'

export const AlertDialog = A.Root
export function AlertDialogContent({ className, ...props }: React.ComponentPropsWithoutRef<typeof A.Content>) {
  return (
    <A.Portal>
      <A.Overlay className="fixed inset-0 z-50 bg-black/50" />
      <A.Content
        className={cn(
          'fixed left-1/2 top-1/2 z-50 grid w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 gap-4 rounded-xl border bg-background p-6 shadow-lg',
          className,
        )}
        {...props}
      />
    </A.Portal>
  )
}
export const AlertDialogTitle = ({ className, ...p }: React.ComponentPropsWithoutRef<typeof A.Title>) => (
  <A.Title className={cn('text-lg font-semibold', className)} {...p} />
)
export const AlertDialogDescription = ({ className, ...p }: React.ComponentPropsWithoutRef<typeof A.Description>) => (
  <A.Description className={cn('text-sm text-muted-foreground', className)} {...p} />
)
export const AlertDialogCancel = ({ className, ...p }: React.ComponentPropsWithoutRef<typeof A.Cancel>) => (
  <A.Cancel className={cn(buttonVariants({ variant: 'outline' }), className)} {...p} />
)
export const AlertDialogAction = ({ className, ...p }: React.ComponentPropsWithoutRef<typeof A.Action>) => (
  <A.Action className={cn(buttonVariants({ variant: 'destructive' }), className)} {...p} />
)
